package dev.dpm.core.continuous;

import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSpec;
import dev.dpm.core.sampler.AdaptiveSpec;
import dev.dpm.core.sampler.FixedStepSpec;
import dev.dpm.core.sampler.PredictorCorrectorSpec;
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
  public static final int MAX_STEPS = SamplerSpec.MAX_CONTINUOUS_STEPS;

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
    SamplerSpec spec = spec(settings, problems);
    if (spec == null) {
      return new SamplerResult.Invalid(List.copyOf(problems));
    }
    try {
      return new SamplerResult.Ok(new ContinuousSampler(spec, sde, model.dimension(), model.gamma()));
    } catch (IllegalArgumentException e) { // grid not strictly decreasing
      return new SamplerResult.Invalid(List.of(new Problem("steps", e.getMessage())));
    }
  }

  /**
   * Checks the settings and fills defaults: the parameters outside the sampler's family are refused
   * ({@link SamplerSpec.Family#notApplicable}), the family's record checks the rest.
   *
   * @param in the request
   * @param problems where problems are added
   * @return the typed spec, or null when a problem was added
   */
  public static SamplerSpec spec(SamplerSettings in, List<Problem> problems) {
    SamplerKind kind = in.kind();
    if (!kind.continuous()) {
      problems.add(new Problem("name", kind.wire() + " is not a continuous-time sampler"));
      return null;
    }
    SamplerSpec.Family family = SamplerSpec.Family.of(kind);
    int before = problems.size();
    family.notApplicable(in, problems);
    switch (family) {
      case PREDICTOR_CORRECTOR -> PredictorCorrectorSpec.validate(in, problems);
      case ADAPTIVE -> AdaptiveSpec.validate(in, problems);
      default -> FixedStepSpec.validate(in, problems);
    }
    if (problems.size() > before) {
      return null;
    }
    return switch (family) {
      case PREDICTOR_CORRECTOR -> PredictorCorrectorSpec.of(in);
      case ADAPTIVE -> AdaptiveSpec.of(in);
      default -> FixedStepSpec.of(in);
    };
  }
}
