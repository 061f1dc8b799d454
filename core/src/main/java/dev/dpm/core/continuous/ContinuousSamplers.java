package dev.dpm.core.continuous;

import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates the settings of the continuous-time samplers, fills their defaults and builds them.
 * {@link dev.dpm.core.catalog.Samplers#create} delegates the continuous kinds here.
 *
 * <table>
 *   <caption>Flags and defaults</caption>
 *   <tr><th>flag</th><th>applies to</th><th>default</th><th>valid</th></tr>
 *   <tr><td>steps</td><td>all but ode-rk45 (required)</td><td>—</td><td>1 … 100000</td></tr>
 *   <tr><td>eps</td><td>all</td><td>1e-3 (score_sde)</td><td>(0, 0.1]</td></tr>
 *   <tr><td>grid</td><td>all but ode-rk45 and edm-heun</td><td>uniform</td><td>uniform, logsnr,
 *       quadratic</td></tr>
 *   <tr><td>sigmas (instead of grid)</td><td>all but ode-rk45</td><td>karras for edm-heun, else
 *       unset</td><td>karras, uniform, logsnr</td></tr>
 *   <tr><td>s-churn, s-tmin, s-tmax, s-noise</td><td>edm-heun</td><td>0, 0, none (∞), 1</td>
 *       <td>s-churn, s-tmin ≥ 0; s-tmax &gt; s-tmin; s-noise &gt; 0; all finite</td></tr>
 *   <tr><td>order</td><td>unipc</td><td>2</td><td>2, 3</td></tr>
 *   <tr><td>denoise</td><td>all</td><td>true</td><td></td></tr>
 *   <tr><td>snr</td><td>sde-pc</td><td>0.16</td><td>&gt; 0</td></tr>
 *   <tr><td>corrector-steps</td><td>sde-pc</td><td>1</td><td>≥ 1</td></tr>
 *   <tr><td>predictor</td><td>sde-pc</td><td>reverse-diffusion</td><td>reverse-diffusion,
 *       euler-maruyama</td></tr>
 *   <tr><td>rtol, atol</td><td>ode-rk45</td><td>1e-5</td><td>≥ 1e-13 and finite</td></tr>
 * </table>
 *
 * <p>The discrete-only flags (trajectory, timesteps, eta, variance, clip-sigma2) are rejected.
 */
public final class ContinuousSamplers {
  /** The largest accepted step count. */
  public static final int MAX_STEPS = 100_000;
  /** Default final time (score_sde VP sampling eps). */
  public static final double DEFAULT_EPS = 1e-3;
  /** Default Langevin signal-to-noise ratio (score_sde CIFAR-10). */
  public static final double DEFAULT_SNR = 0.16;
  /** Default RK45 tolerances (score_sde). */
  public static final double DEFAULT_TOL = 1e-5;
  private static final double MIN_TOL = 1e-13;

  private ContinuousSamplers() {}

  /**
   * Builds a sampler on the VP-SDE matched to the model's discrete schedule.
   *
   * @param settings what was asked for (kind must be continuous)
   * @param model the model context
   * @return the sampler (settings with every default filled) or every problem found
   */
  public static SamplerResult create(SamplerSettings settings, ModelContext model) {
    return create(settings, model, VpSde.matched(model.schedule()));
  }

  /**
   * Builds a sampler on a given SDE (e.g. {@link VpSde#linear} or sub-VP, for models trained on
   * them).
   *
   * @param settings what was asked for
   * @param model the model context (dimension)
   * @param sde the SDE
   * @return the sampler or the problems
   */
  public static SamplerResult create(SamplerSettings settings, ModelContext model, VpSde sde) {
    List<Problem> problems = new ArrayList<>();
    SamplerSettings filled = validate(settings, problems);
    if (!problems.isEmpty()) {
      return new SamplerResult.Invalid(List.copyOf(problems));
    }
    try {
      return new SamplerResult.Ok(new ContinuousSampler(filled, sde, model.dimension(), model.gamma()));
    } catch (IllegalArgumentException e) { // grid not strictly decreasing
      return new SamplerResult.Invalid(List.of(new Problem("steps", e.getMessage())));
    }
  }

  /**
   * Checks the settings and fills defaults.
   *
   * @param in the request
   * @param problems where problems are added
   * @return the filled settings (meaningful only when no problem was added)
   */
  static SamplerSettings validate(SamplerSettings in, List<Problem> problems) {
    SamplerKind kind = in.kind();
    if (!kind.continuous()) {
      problems.add(new Problem("name", kind.wire() + " is not a continuous-time sampler"));
      return in;
    }
    String name = kind.wire();
    boolean pc = kind == SamplerKind.SDE_PC;
    boolean rk45 = kind == SamplerKind.ODE_RK45;
    boolean edm = kind == SamplerKind.EDM_HEUN;
    notFor(problems, name, "trajectory", in.trajectory());
    notFor(problems, name, "timesteps", in.timesteps());
    notFor(problems, name, "eta", in.eta());
    notFor(problems, name, "variance", in.variance());
    notFor(problems, name, "clip-sigma2", in.clipSigma2());
    if (!pc) {
      notFor(problems, name, "snr", in.snr());
      notFor(problems, name, "corrector-steps", in.correctorSteps());
      notFor(problems, name, "predictor", in.predictor());
    }
    if (!rk45) {
      notFor(problems, name, "rtol", in.rtol());
      notFor(problems, name, "atol", in.atol());
    } else {
      notFor(problems, name, "grid", in.grid());
      notFor(problems, name, "sigmas", in.sigmas());
    }
    if (edm) {
      if (in.grid() != null) {
        problems.add(new Problem("grid", "does not apply to edm-heun (use sigmas)"));
      }
    } else {
      notFor(problems, name, "s-churn", in.sChurn());
      notFor(problems, name, "s-tmin", in.sTmin());
      notFor(problems, name, "s-tmax", in.sTmax());
      notFor(problems, name, "s-noise", in.sNoise());
      if (in.grid() != null && in.sigmas() != null) {
        problems.add(new Problem("sigmas", "set grid or sigmas, not both"));
      }
    }
    if (kind != SamplerKind.UNIPC) {
      notFor(problems, name, "order", in.order());
    }

    Integer steps = in.steps();
    if (rk45) {
      if (steps != null) {
        problems.add(new Problem("steps",
            "does not apply to ode-rk45, which chooses its steps adaptively (set rtol/atol instead)"));
      }
    } else if (steps == null) {
      problems.add(new Problem("steps", "is required for " + name + " (the number of steps K)"));
    } else if (steps < 1 || steps > MAX_STEPS) {
      problems.add(new Problem("steps", "must be between 1 and " + MAX_STEPS + ", got " + steps));
    }

    double eps = in.eps() == null ? DEFAULT_EPS : in.eps();
    if (!(eps > 0 && eps <= 0.1)) {
      problems.add(new Problem("eps", "must lie in (0, 0.1], got " + eps));
    }
    SigmasKind sigmas = edm && in.sigmas() == null ? SigmasKind.KARRAS : in.sigmas();
    GridKind grid = rk45 || sigmas != null ? null : (in.grid() == null ? GridKind.UNIFORM : in.grid());
    boolean denoise = in.denoise() == null || in.denoise();

    Double snr = null;
    Integer corrector = null;
    PredictorKind predictor = null;
    if (pc) {
      snr = in.snr() == null ? DEFAULT_SNR : in.snr();
      if (!(snr > 0 && Double.isFinite(snr))) {
        problems.add(new Problem("snr", "must be a number > 0, got " + snr));
      }
      corrector = in.correctorSteps() == null ? 1 : in.correctorSteps();
      if (corrector < 1) {
        problems.add(new Problem("corrector-steps", "must be at least 1, got " + corrector));
      }
      predictor = in.predictor() == null ? PredictorKind.REVERSE_DIFFUSION : in.predictor();
    }
    Double rtol = null;
    Double atol = null;
    if (rk45) {
      rtol = tolerance(problems, "rtol", in.rtol());
      atol = tolerance(problems, "atol", in.atol());
    }
    Integer order = null;
    if (kind == SamplerKind.UNIPC) {
      order = in.order() == null ? 2 : in.order();
      if (order != 2 && order != 3) {
        problems.add(new Problem("order", "must be 2 or 3, got " + order));
      }
    }
    SamplerSettings.Builder out = SamplerSettings.builder(kind).optSteps(rk45 ? null : steps)
        .optEps(eps).optGrid(grid).optSigmas(sigmas).optDenoise(denoise).optSnr(snr)
        .optCorrectorSteps(corrector).optPredictor(predictor).optRtol(rtol).optAtol(atol)
        .optOrder(order).optGuidance(in.guidance());
    if (edm) {
      churn(in, out, problems);
    }
    return out.build();
  }

  /** Checks and fills edm-heun's S_churn, S_tmin, S_tmax (none: ∞) and S_noise. */
  private static void churn(SamplerSettings in, SamplerSettings.Builder out, List<Problem> problems) {
    double churn = in.sChurn() == null ? 0.0 : in.sChurn();
    double tmin = in.sTmin() == null ? 0.0 : in.sTmin();
    double noise = in.sNoise() == null ? 1.0 : in.sNoise();
    if (!(churn >= 0 && Double.isFinite(churn))) {
      problems.add(new Problem("s-churn", "must be a finite number >= 0, got " + churn));
    }
    if (!(tmin >= 0 && Double.isFinite(tmin))) {
      problems.add(new Problem("s-tmin", "must be a finite number >= 0, got " + tmin));
    }
    Double tmax = in.sTmax();
    if (tmax != null && !(tmax > tmin && Double.isFinite(tmax))) {
      problems.add(new Problem("s-tmax", "must be a finite number > s-tmin (" + tmin + "), got " + tmax));
    }
    if (!(noise > 0 && Double.isFinite(noise))) {
      problems.add(new Problem("s-noise", "must be a finite number > 0, got " + noise));
    }
    out.optSChurn(churn).optSTmin(tmin).optSTmax(tmax).optSNoise(noise);
  }

  private static Double tolerance(List<Problem> problems, String field, Double v) {
    double r = v == null ? DEFAULT_TOL : v;
    if (!(r > 0 && Double.isFinite(r))) {
      problems.add(new Problem(field, "must be a number > 0, got " + r));
    } else if (r < MIN_TOL) {
      problems.add(new Problem(field, "must be at least " + MIN_TOL + " (double precision), got " + r));
    }
    return r;
  }

  private static void notFor(List<Problem> problems, String kind, String field, Object value) {
    if (value != null) {
      problems.add(new Problem(field, "does not apply to " + kind));
    }
  }
}
