package dev.dpm.core.catalog;

import dev.dpm.core.continuous.ContinuousSamplers;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import dev.dpm.core.sampler.SamplerSettings.VarianceKind;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every sampler and every parameter, described for people (the web page, {@code GET /v1/samplers}).
 * The names, types, ranges and help lines are written here once; which sampler a parameter applies
 * to, whether it is required and its default for a given model are asked of the validators
 * ({@link Samplers#create}) by probing, so the description cannot drift from what is enforced.
 */
public final class SamplerCatalog {
  private static final List<SamplerParameter> PARAMETERS = List.of(
      p("steps", "integer", List.of(), 1.0, false, null, "K, the number of sampling steps (ode-rk45 chooses its own)", 10),
      p("trajectory", "enum", wires(TrajectoryKind.class), null, false, null,
          "which K of the N timesteps are visited (optimal needs Γ; explicit needs timesteps)", "even"),
      p("timesteps", "integer-list", List.of(), 1.0, false, null,
          "explicit timesteps, ascending, comma separated (trajectory explicit)", null),
      p("eta", "number", List.of(), 0.0, false, null, "DDIM η: 0 is deterministic, 1 is DDPM-like noise", 0.0),
      p("variance", "enum", wires(VarianceKind.class), null, false, null,
          "fixed DDPM variance: posterior β̃ (fixed_small) or forward β (fixed_large)", "posterior"),
      p("clip-sigma2", "integer", List.of("0", "1", "2"), 0.0, false, 2.0,
          "σ₂ clip y of the last step into x₁ (0 off; on by default for 8-bit images)", 0),
      p("snr", "number", List.of(), 0.0, true, null, "Langevin corrector signal-to-noise ratio", 0.16),
      p("corrector-steps", "integer", List.of(), 1.0, false, null, "Langevin corrector steps per predictor step", 1),
      p("predictor", "enum", wires(PredictorKind.class), null, false, null, "predictor of the predictor–corrector sampler",
          "reverse-diffusion"),
      p("rtol", "number", List.of(), 1e-13, false, null, "RK45 relative tolerance", 1e-5),
      p("atol", "number", List.of(), 1e-13, false, null, "RK45 absolute tolerance", 1e-5),
      p("eps", "number", List.of(), 0.0, true, 0.1, "final continuous time: t runs from 1 down to eps", 1e-3),
      p("grid", "enum", wires(GridKind.class), null, false, null, "time grid of the continuous samplers", "uniform"),
      p("denoise", "boolean", List.of(), null, false, null, "end with one denoising step to x̂₀ at eps", true),
      p("sigmas", "enum", wires(SigmasKind.class), null, false, null,
          "noise-level grid in σ̃ = σ/α instead of a time grid (Karras et al. 2022)", "karras"),
      p("s-churn", "number", List.of(), 0.0, false, null, "EDM S_churn: stochastic churn, 0 is deterministic", 0.0),
      p("s-tmin", "number", List.of(), 0.0, false, null, "EDM S_tmin: lowest σ̃ that gets churn", 0.0),
      p("s-tmax", "number", List.of(), 0.0, true, null, "EDM S_tmax: highest σ̃ that gets churn (empty: no bound)", 10.0),
      p("s-noise", "number", List.of(), 0.0, true, null, "EDM S_noise: scale of the churn noise", 1.0),
      p("order", "integer", List.of("2", "3"), 2.0, false, 3.0, "UniPC solver order", 2),
      p("guidance", "number", List.of(), 0.0, false, null,
          "classifier-free guidance w: ε(x,∅) + w·(ε(x,c) − ε(x,∅)); 1 plain conditional, 0 unconditional"
              + " (class-conditional models, with a label)", 1.0));

  private static final Map<SamplerKind, String> SUMMARIES = Map.ofEntries(
      Map.entry(SamplerKind.DDPM, "DDPM ancestral sampling (Ho et al. 2020) with a fixed variance"),
      Map.entry(SamplerKind.ANALYTIC_DDPM, "DDPM step with the Analytic-DPM optimal variance (Bao et al. 2022); needs Γ"),
      Map.entry(SamplerKind.DDIM, "DDIM (Song et al. 2020) with η"),
      Map.entry(SamplerKind.ANALYTIC_DDIM, "DDIM step with the Analytic-DPM optimal variance; needs Γ"),
      Map.entry(SamplerKind.SN_DDPM, "DDPM step with the SN-DPM diagonal covariance (Bao et al. 2022b); needs the eps2 head"),
      Map.entry(SamplerKind.NPR_DDPM, "DDPM step with the NPR-DPM diagonal covariance (Bao et al. 2022b); needs the epsc head"),
      Map.entry(SamplerKind.SN_DDIM, "DDIM step with the SN-DPM diagonal covariance; needs the eps2 head"),
      Map.entry(SamplerKind.NPR_DDIM, "DDIM step with the NPR-DPM diagonal covariance; needs the epsc head"),
      Map.entry(SamplerKind.SDE_EM, "reverse-SDE Euler–Maruyama (score_sde)"),
      Map.entry(SamplerKind.SDE_PC, "predictor–corrector with Langevin steps (score_sde)"),
      Map.entry(SamplerKind.ODE_EULER, "probability-flow ODE, Euler"),
      Map.entry(SamplerKind.ODE_HEUN, "probability-flow ODE, Heun (2nd order)"),
      Map.entry(SamplerKind.ODE_RK45, "probability-flow ODE, adaptive Dormand–Prince RK45 (no step count)"),
      Map.entry(SamplerKind.DPM_SOLVER_2M, "DPM-Solver++(2M) (Lu et al. 2022)"),
      Map.entry(SamplerKind.EDM_HEUN, "EDM Heun with stochastic churn (Karras et al. 2022, Alg. 2)"),
      Map.entry(SamplerKind.DPM_SOLVER_3M, "DPM-Solver++(3M), third-order multistep"),
      Map.entry(SamplerKind.SDE_DPM_SOLVER_2M, "SDE-DPM-Solver++(2M), midpoint, η = 1"),
      Map.entry(SamplerKind.UNIPC, "UniPC, bh2, data prediction (Zhao et al. 2023)"));

  private SamplerCatalog() {}

  /**
   * How one parameter behaves for one sampler on one model.
   *
   * @param name the parameter
   * @param applies whether the sampler accepts it
   * @param required whether the sampler refuses to run without it
   * @param defaultValue the value used when it is left out (null when required or unbounded)
   * @param min lowest allowed value, or null
   * @param max highest allowed value, or null
   */
  public record Use(String name, boolean applies, boolean required, Object defaultValue, Double min, Double max) {}

  /**
   * One sampler as offered on one model.
   *
   * @param kind the sampler
   * @param summary one line of help
   * @param available false when the model lacks what it needs (Γ, a second head)
   * @param parameters every parameter, in catalog order
   */
  public record Entry(SamplerKind kind, String summary, boolean available, List<Use> parameters) {
    /** Copies the list. */
    public Entry {
      parameters = List.copyOf(parameters);
    }
  }

  /** @return every parameter, in the order a form shows them */
  public static List<SamplerParameter> parameters() {
    return PARAMETERS;
  }

  /**
   * @param kind a sampler
   * @return its one-line help
   */
  public static String summary(SamplerKind kind) {
    return SUMMARIES.get(kind);
  }

  /**
   * Describes every sampler on a model: availability, and for each parameter whether it applies, is
   * required, its default and range, as the validators decide.
   *
   * @param model the model context
   * @return one entry per {@link SamplerKind}, in declaration order
   */
  public static List<Entry> describe(ModelContext model) {
    int n = model.schedule().steps();
    // the analytic kinds need Γ to be built at all; any Γ answers what applies and what defaults are
    // and the SN/NPR kinds a network with their second heads
    ModelContext probe = (model.gamma() != null ? model : model.withGamma(ones(n + 1)))
        .withHeads(EnumSet.allOf(SecondHead.class));
    List<Entry> out = new ArrayList<>();
    for (SamplerKind kind : SamplerKind.values()) {
      SamplerSettings base = base(kind, n);
      SamplerResult made = Samplers.create(base, probe);
      if (!(made instanceof SamplerResult.Ok ok)) {
        throw new IllegalStateException("the probe settings of " + kind.wire() + " are refused: " + made);
      }
      Map<String, Object> filled = ok.sampler().settings().toMap();
      List<Use> uses = new ArrayList<>();
      for (SamplerParameter p : PARAMETERS) {
        boolean applies = accepts(with(base, p.name(), probeValue(p, base)), probe, p.name());
        boolean required = applies && !accepts(without(base, p.name()), probe, p.name());
        Object def = applies && !required ? filled.get(p.name()) : null;
        Double min = p.min();
        Double max = p.max();
        if (p.name().equals("steps")) {
          min = kind.continuous() ? 1.0 : 2.0;
          max = (double) (kind.continuous() ? ContinuousSamplers.MAX_STEPS : n);
        }
        uses.add(new Use(p.name(), applies, required, def, applies ? min : null, applies ? max : null));
      }
      out.add(new Entry(kind, summary(kind), unavailable(kind, model) == null, uses));
    }
    return out;
  }

  /**
   * @param kind a sampler
   * @param model the model context
   * @return why the sampler cannot run on the model (it lacks Γ or a second head), or null when it can
   */
  public static String unavailable(SamplerKind kind, ModelContext model) {
    if (kind.covariance() != null && !model.heads().contains(kind.covariance().output())) {
      return "needs a network with the " + kind.covariance().output().wire() + " head (the manifest's outputs)";
    }
    return kind.needsGamma() && model.gamma() == null ? "needs Γ: run a calibration" : null;
  }

  private static SamplerSettings base(SamplerKind kind, int n) {
    return SamplerSettings.builder(kind).optSteps(kind == SamplerKind.ODE_RK45 ? null : Math.min(10, n)).build();
  }

  private static Object probeValue(SamplerParameter p, SamplerSettings base) {
    if (p.name().equals("timesteps")) {
      int k = base.steps() == null ? 10 : base.steps();
      int[] ts = new int[k];
      for (int i = 0; i < k; i++) {
        ts[i] = i + 1;
      }
      return ts;
    }
    return p.probe();
  }

  private static boolean accepts(SamplerSettings s, ModelContext ctx, String field) {
    if (Samplers.create(s, ctx) instanceof SamplerResult.Invalid bad) {
      for (Problem pr : bad.problems()) {
        if (pr.field().equals(field)) {
          return false;
        }
      }
    }
    return true;
  }

  private static SamplerSettings without(SamplerSettings s, String name) {
    return name.equals("steps") ? s.toBuilder().optSteps(null).build() : s;
  }

  /**
   * Sets one parameter by its wire name.
   *
   * @param s settings
   * @param name wire name
   * @param v the value: Number, String (enum wire spelling), Boolean or int[]
   * @return the settings with it set
   * @throws IllegalArgumentException for an unknown name or value
   */
  public static SamplerSettings with(SamplerSettings s, String name, Object v) {
    SamplerSettings.Builder b = s.toBuilder();
    switch (name) {
      case "steps" -> b.optSteps(((Number) v).intValue());
      case "trajectory" -> b.optTrajectory(SamplerSettings.parseWire(TrajectoryKind.class, (String) v));
      case "timesteps" -> b.optTimesteps((int[]) v);
      case "eta" -> b.optEta(((Number) v).doubleValue());
      case "variance" -> b.optVariance(SamplerSettings.parseWire(VarianceKind.class, (String) v));
      case "clip-sigma2" -> b.optClipSigma2(((Number) v).intValue());
      case "snr" -> b.optSnr(((Number) v).doubleValue());
      case "corrector-steps" -> b.optCorrectorSteps(((Number) v).intValue());
      case "predictor" -> b.optPredictor(SamplerSettings.parseWire(PredictorKind.class, (String) v));
      case "rtol" -> b.optRtol(((Number) v).doubleValue());
      case "atol" -> b.optAtol(((Number) v).doubleValue());
      case "eps" -> b.optEps(((Number) v).doubleValue());
      case "grid" -> b.optGrid(SamplerSettings.parseWire(GridKind.class, (String) v));
      case "denoise" -> b.optDenoise((Boolean) v);
      case "sigmas" -> b.optSigmas(SamplerSettings.parseWire(SigmasKind.class, (String) v));
      case "s-churn" -> b.optSChurn(((Number) v).doubleValue());
      case "s-tmin" -> b.optSTmin(((Number) v).doubleValue());
      case "s-tmax" -> b.optSTmax(((Number) v).doubleValue());
      case "s-noise" -> b.optSNoise(((Number) v).doubleValue());
      case "order" -> b.optOrder(((Number) v).intValue());
      case "guidance" -> b.optGuidance(((Number) v).doubleValue());
      default -> throw new IllegalArgumentException("unknown sampler parameter '" + name + "'");
    }
    return b.build();
  }

  private static SamplerParameter p(String name, String type, List<String> choices, Double min, boolean minExclusive,
      Double max, String help, Object probe) {
    return new SamplerParameter(name, type, choices, min, minExclusive, max, help, probe);
  }

  private static <E extends Enum<E>> List<String> wires(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(SamplerSettings::wireName).toList();
  }

  private static double[] ones(int len) {
    double[] g = new double[len];
    Arrays.fill(g, 1.0);
    return g;
  }

  /**
   * @param model a model context
   * @return {@link #describe} keyed by wire name
   */
  public static Map<String, Entry> byName(ModelContext model) {
    Map<String, Entry> m = new LinkedHashMap<>();
    for (Entry e : describe(model)) {
      m.put(e.kind().wire(), e);
    }
    return m;
  }
}
