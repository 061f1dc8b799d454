package dev.dpm.core.sampler;

import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the user asked for, flat as it travels: a sampler name and its parameters (their wire names, types, ranges
 * and defaults are in {@link SamplerParam}, which the codecs iterate). A null field means "use the sampler's
 * default". The validated form is one typed {@link SamplerSpec} per family, made by the factories
 * ({@code dev.dpm.core.catalog.Samplers#create}); {@link Sampler#settings()} returns its flat view
 * ({@link SamplerSpec#settings()}), with every default filled in.
 *
 * @param kind the sampler
 * @param steps K, the number of steps (null for rk45, which is adaptive)
 * @param trajectory timestep selection (discrete samplers)
 * @param timesteps explicit timesteps, ascending, when trajectory is EXPLICIT
 * @param eta DDIM η ≥ 0
 * @param variance fixed DDPM variance
 * @param clipSigma2 y ∈ {0 (off), 1, 2}: clip of the step into x₁ (reference §2.6)
 * @param snr Langevin corrector signal-to-noise ratio
 * @param correctorSteps Langevin steps per predictor step
 * @param predictor predictor of sde-pc
 * @param rtol RK45 relative tolerance
 * @param atol RK45 absolute tolerance
 * @param eps final continuous time (t ∈ [eps, 1])
 * @param grid time grid of the continuous samplers
 * @param denoise final denoising step of the continuous samplers
 * @param sigmas noise-level grid of the continuous samplers (instead of grid; edm-heun)
 * @param sChurn EDM churn S_churn ≥ 0 (edm-heun)
 * @param sTmin EDM S_tmin: lowest σ̃ = σ/α that gets churn (edm-heun)
 * @param sTmax EDM S_tmax: highest σ̃ that gets churn, null for no bound (edm-heun)
 * @param sNoise EDM S_noise, the scale of the churn noise (edm-heun)
 * @param order solver order of unipc (2 or 3)
 * @param guidance classifier-free guidance scale w (every sampler; needs a class-conditional model
 *     and a label): ε̃ = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅)). Applied at the evaluation layer, never by
 *     the sampler's step
 * @param clippedEps DDIM-type mean with ε re-derived from the clamped x̂₀ where the clamp acts (null: off;
 *     filled on for guided jobs with w &gt; 1)
 */
public record SamplerSettings(
    SamplerKind kind,
    Integer steps,
    TrajectoryKind trajectory,
    int[] timesteps,
    Double eta,
    VarianceKind variance,
    Integer clipSigma2,
    Double snr,
    Integer correctorSteps,
    PredictorKind predictor,
    Double rtol,
    Double atol,
    Double eps,
    GridKind grid,
    Boolean denoise,
    SigmasKind sigmas,
    Double sChurn,
    Double sTmin,
    Double sTmax,
    Double sNoise,
    Integer order,
    Double guidance,
    Boolean clippedEps) {

  /** Copies {@code timesteps}, so a settings value never changes after it is made. */
  public SamplerSettings {
    timesteps = timesteps == null ? null : timesteps.clone();
  }

  /** @return a copy of the explicit timesteps, or null */
  @Override
  public int[] timesteps() {
    return timesteps == null ? null : timesteps.clone();
  }

  /** Equal settings are equal values, explicit timesteps compared element by element. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SamplerSettings other && parts().equals(other.parts());
  }

  @Override
  public int hashCode() {
    return parts().hashCode();
  }

  @Override
  public String toString() {
    return "SamplerSettings" + parts();
  }

  private java.util.List<Object> parts() {
    java.util.List<Object> parts = new java.util.ArrayList<>();
    parts.add(kind);
    for (SamplerParam p : SamplerParam.values()) {
      Object v = p.get(this);
      parts.add(v instanceof int[] a ? java.util.Arrays.stream(a).boxed().toList() : v);
    }
    return parts;
  }

  /** Fixed DDPM variances. */
  public enum VarianceKind {
    /** β̃ (DDPM "fixed_small"). */
    POSTERIOR,
    /** β (DDPM "fixed_large"). */
    FORWARD
  }

  /** sde-pc predictors. */
  public enum PredictorKind {
    /** score_sde reverse_diffusion. */
    REVERSE_DIFFUSION,
    /** score_sde euler_maruyama. */
    EULER_MARUYAMA
  }

  /** Time grids of the continuous samplers. */
  public enum GridKind {
    /** Uniform in t. */
    UNIFORM,
    /** Uniform in log-SNR λ = log(α/σ). */
    LOGSNR,
    /** Quadratic in t. */
    QUADRATIC
  }

  /**
   * Noise-level grids σ̃₀ = σ̃(1) &gt; … &gt; σ̃_K = σ̃(eps) of the continuous samplers, in σ̃ = σ/α
   * (k-diffusion's σ; Karras et al. 2022 Table 1).
   */
  public enum SigmasKind {
    /** Karras et al. 2022 eq. 5, ρ = 7: σ̃_i^{1/ρ} uniform. */
    KARRAS,
    /** The VP column of Karras et al. 2022 Table 1: uniform in t (k-diffusion get_sigmas_vp). */
    UNIFORM,
    /** log σ̃ = −λ uniform (k-diffusion get_sigmas_exponential). */
    LOGSNR
  }

  /**
   * @param kind the sampler
   * @return a builder with every parameter at its default
   */
  public static Builder builder(SamplerKind kind) {
    return new Builder(kind);
  }

  /** @return a builder holding these settings */
  public Builder toBuilder() {
    Builder b = new Builder(kind);
    for (SamplerParam p : SamplerParam.values()) {
      p.set(b, p.get(this));
    }
    return b;
  }

  /**
   * The settings as JSON-ready name/value pairs (wire names, in {@link SamplerParam} order; enums lower-case with
   * hyphens), leaving out unset fields. This is what a job record echoes.
   *
   * @return an ordered map
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", kind.wire());
    for (SamplerParam p : SamplerParam.values()) {
      Object v = p.get(this);
      if (v != null) {
        m.put(p.wire(), p.encode(v));
      }
    }
    return m;
  }

  /**
   * @param e an enum constant
   * @return its wire spelling: lower case, underscores as hyphens
   */
  public static String wireName(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /**
   * Parses a wire spelling of an enum constant.
   *
   * @param type the enum class
   * @param s the text
   * @param <E> enum type
   * @return the constant
   * @throws IllegalArgumentException naming the allowed values
   */
  public static <E extends Enum<E>> E parseWire(Class<E> type, String s) {
    for (E e : type.getEnumConstants()) {
      if (wireName(e).equals(s)) {
        return e;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(wireName(e));
    }
    throw new IllegalArgumentException("'" + s + "' is not one of " + sb);
  }

  /** Fluent builder; every setter is optional except the kind given to {@link #builder}. */
  public static final class Builder {
    private final SamplerKind kind;
    private Integer steps;
    private TrajectoryKind trajectory;
    private int[] timesteps;
    private Double eta;
    private VarianceKind variance;
    private Integer clipSigma2;
    private Double snr;
    private Integer correctorSteps;
    private PredictorKind predictor;
    private Double rtol;
    private Double atol;
    private Double eps;
    private GridKind grid;
    private Boolean denoise;
    private SigmasKind sigmas;
    private Double sChurn;
    private Double sTmin;
    private Double sTmax;
    private Double sNoise;
    private Integer order;
    private Double guidance;
    private Boolean clippedEps;

    private Builder(SamplerKind kind) {
      this.kind = kind;
    }

    /** @param v K @return this */
    public Builder optSteps(Integer v) { steps = v; return this; }
    /** @param v trajectory @return this */
    public Builder optTrajectory(TrajectoryKind v) { trajectory = v; return this; }
    /** @param v explicit timesteps @return this */
    public Builder optTimesteps(int[] v) { timesteps = v; return this; }
    /** @param v η @return this */
    public Builder optEta(Double v) { eta = v; return this; }
    /** @param v variance @return this */
    public Builder optVariance(VarianceKind v) { variance = v; return this; }
    /** @param v y @return this */
    public Builder optClipSigma2(Integer v) { clipSigma2 = v; return this; }
    /** @param v snr @return this */
    public Builder optSnr(Double v) { snr = v; return this; }
    /** @param v corrector steps @return this */
    public Builder optCorrectorSteps(Integer v) { correctorSteps = v; return this; }
    /** @param v predictor @return this */
    public Builder optPredictor(PredictorKind v) { predictor = v; return this; }
    /** @param v rtol @return this */
    public Builder optRtol(Double v) { rtol = v; return this; }
    /** @param v atol @return this */
    public Builder optAtol(Double v) { atol = v; return this; }
    /** @param v eps @return this */
    public Builder optEps(Double v) { eps = v; return this; }
    /** @param v grid @return this */
    public Builder optGrid(GridKind v) { grid = v; return this; }
    /** @param v denoise @return this */
    public Builder optDenoise(Boolean v) { denoise = v; return this; }
    /** @param v sigmas grid @return this */
    public Builder optSigmas(SigmasKind v) { sigmas = v; return this; }
    /** @param v S_churn @return this */
    public Builder optSChurn(Double v) { sChurn = v; return this; }
    /** @param v S_tmin @return this */
    public Builder optSTmin(Double v) { sTmin = v; return this; }
    /** @param v S_tmax @return this */
    public Builder optSTmax(Double v) { sTmax = v; return this; }
    /** @param v S_noise @return this */
    public Builder optSNoise(Double v) { sNoise = v; return this; }
    /** @param v solver order @return this */
    public Builder optOrder(Integer v) { order = v; return this; }
    /** @param v guidance scale w @return this */
    public Builder optGuidance(Double v) { guidance = v; return this; }
    /** @param v ε re-derived from the clamped x̂₀ (DDIM types) @return this */
    public Builder optClippedEps(Boolean v) { clippedEps = v; return this; }

    /** @return the settings (not yet validated; see {@code dev.dpm.core.catalog.Samplers#create}) */
    public SamplerSettings build() {
      return new SamplerSettings(kind, steps, trajectory, timesteps, eta, variance, clipSigma2,
          snr, correctorSteps, predictor, rtol, atol, eps, grid, denoise, sigmas, sChurn, sTmin,
          sTmax, sNoise, order, guidance, clippedEps);
    }
  }
}
