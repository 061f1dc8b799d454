package dev.dpm.core.sampler;

import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import dev.dpm.core.sampler.SamplerSettings.VarianceKind;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The sampler parameters, written once: each with its wire name (the API key, the CLI flag without {@code --}, the
 * field of a {@link Problem}), its type, range, default, one line of help, and how it is read from and written to
 * {@link SamplerSettings}. The JSON codec of the server, the CLI's flags, the catalog of {@code GET /v1/samplers} and
 * the job record's echo ({@link SamplerSettings#toMap}) iterate this table instead of listing the parameters again.
 * Which sampler takes which parameter is the business of the typed specs ({@link SamplerSpec.Family}); defaults that
 * depend on the model or the sampler (noted on the constant) are filled there.
 */
public enum SamplerParam {
  /** K, the number of steps (required; none for ode-rk45). */
  STEPS("steps", Type.INTEGER, null, List.of(), 1.0, false, null, null, 10,
      "K, the number of sampling steps (ode-rk45 chooses its own)",
      SamplerSettings::steps, (b, v) -> b.optSteps((Integer) v)),
  /** Timestep selection of the discrete samplers; the default is the model's, else even. */
  TRAJECTORY("trajectory", Type.ENUM, TrajectoryKind.class, null, null, false, null, TrajectoryKind.EVEN, "even",
      "which K of the N timesteps are visited (optimal needs Γ; explicit needs timesteps)",
      SamplerSettings::trajectory, (b, v) -> b.optTrajectory((TrajectoryKind) v)),
  /** Explicit ascending timesteps (trajectory explicit). */
  TIMESTEPS("timesteps", Type.INTEGER_LIST, null, List.of(), 1.0, false, null, null, null,
      "explicit timesteps, ascending, comma separated (trajectory explicit)",
      SamplerSettings::timesteps, (b, v) -> b.optTimesteps((int[]) v)),
  /** DDIM η ≥ 0. */
  ETA("eta", Type.NUMBER, null, List.of(), 0.0, false, null, 0.0, 0.0,
      "DDIM η: 0 is deterministic, 1 is DDPM-like noise",
      SamplerSettings::eta, (b, v) -> b.optEta((Double) v)),
  /** Fixed DDPM variance. */
  VARIANCE("variance", Type.ENUM, VarianceKind.class, null, null, false, null, VarianceKind.POSTERIOR, "posterior",
      "fixed DDPM variance: posterior β̃ (fixed_small) or forward β (fixed_large)",
      SamplerSettings::variance, (b, v) -> b.optVariance((VarianceKind) v)),
  /** σ₂ clip y ∈ {0, 1, 2} of the last step into x₁; the default is 1 for 8-bit image models, else 0. */
  CLIP_SIGMA2("clip-sigma2", Type.INTEGER, null, List.of("0", "1", "2"), 0.0, false, 2.0, 0, 0,
      "σ₂ clip y of the last step into x₁ (0 off; on by default for 8-bit images)",
      SamplerSettings::clipSigma2, (b, v) -> b.optClipSigma2((Integer) v)),
  /** Langevin corrector signal-to-noise ratio &gt; 0 (sde-pc). */
  SNR("snr", Type.NUMBER, null, List.of(), 0.0, true, null, 0.16, 0.16,
      "Langevin corrector signal-to-noise ratio",
      SamplerSettings::snr, (b, v) -> b.optSnr((Double) v)),
  /** Langevin steps per predictor step ≥ 1 (sde-pc). */
  CORRECTOR_STEPS("corrector-steps", Type.INTEGER, null, List.of(), 1.0, false, null, 1, 1,
      "Langevin corrector steps per predictor step",
      SamplerSettings::correctorSteps, (b, v) -> b.optCorrectorSteps((Integer) v)),
  /** Predictor of sde-pc. */
  PREDICTOR("predictor", Type.ENUM, PredictorKind.class, null, null, false, null, PredictorKind.REVERSE_DIFFUSION,
      "reverse-diffusion", "predictor of the predictor–corrector sampler",
      SamplerSettings::predictor, (b, v) -> b.optPredictor((PredictorKind) v)),
  /** RK45 relative tolerance ≥ 1e-13. */
  RTOL("rtol", Type.NUMBER, null, List.of(), 1e-13, false, null, 1e-5, 1e-5, "RK45 relative tolerance",
      SamplerSettings::rtol, (b, v) -> b.optRtol((Double) v)),
  /** RK45 absolute tolerance ≥ 1e-13. */
  ATOL("atol", Type.NUMBER, null, List.of(), 1e-13, false, null, 1e-5, 1e-5, "RK45 absolute tolerance",
      SamplerSettings::atol, (b, v) -> b.optAtol((Double) v)),
  /** Final continuous time, in (0, 0.1] (score_sde's 1e-3 by default). */
  EPS("eps", Type.NUMBER, null, List.of(), 0.0, true, 0.1, 1e-3, 1e-3,
      "final continuous time: t runs from 1 down to eps",
      SamplerSettings::eps, (b, v) -> b.optEps((Double) v)),
  /** Time grid of the continuous samplers (none when sigmas is set, and for ode-rk45). */
  GRID("grid", Type.ENUM, GridKind.class, null, null, false, null, GridKind.UNIFORM, "uniform",
      "time grid of the continuous samplers",
      SamplerSettings::grid, (b, v) -> b.optGrid((GridKind) v)),
  /** Final denoising step of the continuous samplers. */
  DENOISE("denoise", Type.BOOLEAN, null, List.of(), null, false, null, true, true,
      "end with one denoising step to x̂₀ at eps",
      SamplerSettings::denoise, (b, v) -> b.optDenoise((Boolean) v)),
  /** Noise-level grid instead of grid: karras by default for edm-heun, unset for the others. */
  SIGMAS("sigmas", Type.ENUM, SigmasKind.class, null, null, false, null, SigmasKind.KARRAS, "karras",
      "noise-level grid in σ̃ = σ/α instead of a time grid (Karras et al. 2022)",
      SamplerSettings::sigmas, (b, v) -> b.optSigmas((SigmasKind) v)),
  /** EDM S_churn ≥ 0 (edm-heun). */
  S_CHURN("s-churn", Type.NUMBER, null, List.of(), 0.0, false, null, 0.0, 0.0,
      "EDM S_churn: stochastic churn, 0 is deterministic",
      SamplerSettings::sChurn, (b, v) -> b.optSChurn((Double) v)),
  /** EDM S_tmin ≥ 0 (edm-heun). */
  S_TMIN("s-tmin", Type.NUMBER, null, List.of(), 0.0, false, null, 0.0, 0.0, "EDM S_tmin: lowest σ̃ that gets churn",
      SamplerSettings::sTmin, (b, v) -> b.optSTmin((Double) v)),
  /** EDM S_tmax &gt; S_tmin, none (∞) by default (edm-heun). */
  S_TMAX("s-tmax", Type.NUMBER, null, List.of(), 0.0, true, null, null, 10.0,
      "EDM S_tmax: highest σ̃ that gets churn (empty: no bound)",
      SamplerSettings::sTmax, (b, v) -> b.optSTmax((Double) v)),
  /** EDM S_noise &gt; 0 (edm-heun). */
  S_NOISE("s-noise", Type.NUMBER, null, List.of(), 0.0, true, null, 1.0, 1.0, "EDM S_noise: scale of the churn noise",
      SamplerSettings::sNoise, (b, v) -> b.optSNoise((Double) v)),
  /** Solver order of unipc, 2 or 3. */
  ORDER("order", Type.INTEGER, null, List.of("2", "3"), 2.0, false, 3.0, 2, 2, "UniPC solver order",
      SamplerSettings::order, (b, v) -> b.optOrder((Integer) v)),
  /** Classifier-free guidance scale w ≥ 0 (every sampler; unset: no guidance). */
  GUIDANCE("guidance", Type.NUMBER, null, List.of(), 0.0, false, null, null, 1.0,
      "classifier-free guidance w: ε(x,∅) + w·(ε(x,c) − ε(x,∅)); 1 plain conditional, 0 unconditional"
          + " (class-conditional models, with a label)",
      SamplerSettings::guidance, (b, v) -> b.optGuidance((Double) v)),
  /**
   * DDIM-type mean with ε re-derived from the clamped x̂₀, ε' = (x_t − √ᾱ_t x̂₀)/√β̄_t, at the coordinates where
   * the clamp acts (GLIDE; diffusers' {@code use_clipped_model_output}); the default is on for guided jobs with
   * w &gt; 1, else off.
   */
  CLIPPED_EPS("clipped-eps", Type.BOOLEAN, null, List.of(), null, false, null, false, true,
      "DDIM types: re-derive ε from the clamped x̂₀ where the clamp acts (on by default when guidance > 1)",
      SamplerSettings::clippedEps, (b, v) -> b.optClippedEps((Boolean) v));

  /** The value types of the parameters, with their names in the catalog. */
  public enum Type {
    /** A whole number (Integer). */
    INTEGER("integer"),
    /** A number (Double). */
    NUMBER("number"),
    /** true or false (Boolean). */
    BOOLEAN("boolean"),
    /** One of an enum's wire spellings (the enum constant). */
    ENUM("enum"),
    /** A list of whole numbers (int[]). */
    INTEGER_LIST("integer-list");

    private final String wire;

    Type(String wire) {
      this.wire = wire;
    }

    /** @return the type's name in the catalog */
    public String wire() {
      return wire;
    }
  }

  private final String wire;
  private final Type type;
  private final Class<? extends Enum<?>> enumType;
  private final List<String> choices;
  private final Double min;
  private final boolean minExclusive;
  private final Double max;
  private final Object defaultValue;
  private final Object probe;
  private final String help;
  private final Function<SamplerSettings, Object> getter;
  private final BiConsumer<SamplerSettings.Builder, Object> setter;

  SamplerParam(String wire, Type type, Class<? extends Enum<?>> enumType, List<String> choices, Double min,
      boolean minExclusive, Double max, Object defaultValue, Object probe, String help,
      Function<SamplerSettings, Object> getter, BiConsumer<SamplerSettings.Builder, Object> setter) {
    this.wire = wire;
    this.type = type;
    this.enumType = enumType;
    this.choices = enumType != null ? wires(enumType) : choices;
    this.min = min;
    this.minExclusive = minExclusive;
    this.max = max;
    this.defaultValue = defaultValue;
    this.probe = probe;
    this.help = help;
    this.getter = getter;
    this.setter = setter;
  }

  /** @return the wire name: the API key, the CLI flag without {@code --}, the field of a problem */
  public String wire() {
    return wire;
  }

  /** @return the value type */
  public Type type() {
    return type;
  }

  /** @return the enum of an {@link Type#ENUM} parameter, else null */
  public Class<? extends Enum<?>> enumType() {
    return enumType;
  }

  /** @return the allowed values (an enum's wire spellings, or a small integer set), else empty */
  public List<String> choices() {
    return choices;
  }

  /** @return the lowest allowed value, or null */
  public Double min() {
    return min;
  }

  /** @return whether {@link #min} itself is refused */
  public boolean minExclusive() {
    return minExclusive;
  }

  /** @return the highest allowed value, or null (steps: N or the continuous limit, per sampler and model) */
  public Double max() {
    return max;
  }

  /**
   * @return the value used when the parameter is left out (typed: Integer, Double, Boolean or the enum constant),
   *     null when there is none; the constant's note says where the model or the sampler changes it
   */
  public Object defaultValue() {
    return defaultValue;
  }

  /**
   * @param value a value as asked for, or null
   * @param <T> its type (the parameter's)
   * @return the value, or {@link #defaultValue} when it is null
   */
  @SuppressWarnings("unchecked")
  public <T> T or(T value) {
    return value != null ? value : (T) defaultValue;
  }

  /** @return a valid value in wire form (what the catalog uses to ask the validators whether it applies) */
  public Object probe() {
    return probe;
  }

  /** @return one line of help */
  public String help() {
    return help;
  }

  /**
   * @param s settings
   * @return this parameter's value in them (typed), or null
   */
  public Object get(SamplerSettings s) {
    return getter.apply(s);
  }

  /**
   * @param b a builder
   * @param value a typed value ({@link #decode} gives one), or null for the default
   * @return the builder
   */
  public SamplerSettings.Builder set(SamplerSettings.Builder b, Object value) {
    setter.accept(b, value);
    return b;
  }

  /**
   * Reads a value in wire form: a Number for integers (whole) and numbers, a Boolean, a String (an enum's wire
   * spelling), a List of Numbers or an int[] for the timesteps.
   *
   * @param raw the value
   * @return the typed value
   * @throws ClassCastException when it has the wrong type
   * @throws IllegalArgumentException when it is not one of the allowed values (the message says why)
   */
  public Object decode(Object raw) {
    return switch (type) {
      case INTEGER -> wholeNumber(raw);
      case NUMBER -> ((Number) raw).doubleValue();
      case BOOLEAN -> (Boolean) raw;
      case ENUM -> parseEnum(enumType, (String) raw);
      case INTEGER_LIST -> {
        if (raw instanceof int[] a) {
          yield a.clone();
        }
        List<?> list = (List<?>) raw;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = wholeNumber(list.get(i));
        }
        yield out;
      }
    };
  }

  /**
   * @param value a typed value of this parameter
   * @return it in wire form: enums as their wire spelling, the rest as they are
   */
  public Object encode(Object value) {
    return value instanceof Enum<?> e ? SamplerSettings.wireName(e) : value;
  }

  /**
   * @param wire a wire name
   * @return the parameter, or null when there is none of that name
   */
  public static SamplerParam byWire(String wire) {
    for (SamplerParam p : values()) {
      if (p.wire.equals(wire)) {
        return p;
      }
    }
    return null;
  }

  private static int wholeNumber(Object v) {
    Number n = (Number) v;
    if (n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("must be an integer");
    }
    return n.intValue();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object parseEnum(Class<? extends Enum<?>> type, String s) {
    return SamplerSettings.parseWire((Class) type, s);
  }

  private static List<String> wires(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(SamplerSettings::wireName).toList();
  }
}
