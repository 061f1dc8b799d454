package dev.dpm.core.catalog;

import dev.dpm.core.continuous.ContinuousSamplers;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerParam;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every sampler and every parameter, described for people (the web page, {@code GET /v1/samplers}).
 * The names, types, ranges and help lines are those of {@link SamplerParam}; which sampler a parameter applies
 * to, whether it is required and its default for a given model are asked of the validators
 * ({@link Samplers#create}) by probing, so the description cannot drift from what is enforced.
 */
public final class SamplerCatalog {
  private static final List<SamplerParameter> PARAMETERS = Arrays.stream(SamplerParam.values())
      .map(p -> new SamplerParameter(p.wire(), p.type().wire(), p.choices(), p.min(), p.minExclusive(), p.max(),
          p.help(), p.probe()))
      .toList();

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
    SamplerParam p = SamplerParam.byWire(name);
    if (p == null) {
      throw new IllegalArgumentException("unknown sampler parameter '" + name + "'");
    }
    return p.set(s.toBuilder(), p.decode(v)).build();
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
