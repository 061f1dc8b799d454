package dev.dpm.core.sampler;

import static dev.dpm.core.sampler.SamplerParam.DENOISE;
import static dev.dpm.core.sampler.SamplerParam.EPS;
import static dev.dpm.core.sampler.SamplerParam.GRID;
import static dev.dpm.core.sampler.SamplerParam.ORDER;
import static dev.dpm.core.sampler.SamplerParam.SIGMAS;
import static dev.dpm.core.sampler.SamplerParam.S_CHURN;
import static dev.dpm.core.sampler.SamplerParam.S_NOISE;
import static dev.dpm.core.sampler.SamplerParam.S_TMAX;
import static dev.dpm.core.sampler.SamplerParam.S_TMIN;

import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of the fixed-step continuous samplers (sde-em, ode-euler, ode-heun, dpm-solver-2m/3m,
 * sde-dpm-solver-2m, edm-heun, unipc): K, the final time, one grid (time or noise level; edm-heun takes the
 * noise-level grid only, karras by default), the final denoising step; unipc's order (2 or 3); edm-heun's churn
 * (S_churn, S_tmin ≥ 0, S_tmax &gt; S_tmin or none, S_noise &gt; 0).
 *
 * @param kind a fixed-step continuous sampler
 * @param steps K, 1 … {@link SamplerSpec#MAX_CONTINUOUS_STEPS}
 * @param eps final time in (0, 0.1]
 * @param grid time grid, or null when sigmas is set (always for edm-heun)
 * @param sigmas noise-level grid, or null
 * @param denoise final denoising step
 * @param order unipc's order, null for the others
 * @param sChurn edm-heun's S_churn, null for the others
 * @param sTmin edm-heun's S_tmin, null for the others
 * @param sTmax edm-heun's S_tmax, null for none
 * @param sNoise edm-heun's S_noise, null for the others
 * @param guidance classifier-free guidance w ≥ 0, or null
 * @throws InvalidSpecException naming every bad field
 */
public record FixedStepSpec(SamplerKind kind, int steps, double eps, GridKind grid, SigmasKind sigmas,
    boolean denoise, Integer order, Double sChurn, Double sTmin, Double sTmax, Double sNoise, Double guidance)
    implements SamplerSpec {

  /** Checks every field. */
  public FixedStepSpec {
    List<Problem> problems = new ArrayList<>();
    SamplerSpec.checkFamily(kind, Family.FIXED_STEP, problems);
    InvalidSpecException.throwIf(problems);
    validate(flat(kind, steps, eps, grid, sigmas, denoise, order, sChurn, sTmin, sTmax, sNoise, guidance), problems);
    InvalidSpecException.throwIf(problems);
  }

  @Override
  public SamplerSettings settings() {
    return flat(kind, steps, eps, grid, sigmas, denoise, order, sChurn, sTmin, sTmax, sNoise, guidance);
  }

  /**
   * @param in what was asked for (valid: {@link #validate} found nothing)
   * @return the spec with every default filled
   * @throws InvalidSpecException when it is not valid
   */
  public static FixedStepSpec of(SamplerSettings in) {
    SamplerKind kind = in.kind();
    boolean edm = kind == SamplerKind.EDM_HEUN;
    SigmasKind sigmas = edm ? SIGMAS.or(in.sigmas()) : in.sigmas();
    return new FixedStepSpec(kind, in.steps(), EPS.or(in.eps()), sigmas != null ? null : GRID.or(in.grid()), sigmas,
        DENOISE.or(in.denoise()), kind == SamplerKind.UNIPC ? ORDER.or(in.order()) : null,
        edm ? S_CHURN.or(in.sChurn()) : null, edm ? S_TMIN.or(in.sTmin()) : null, edm ? in.sTmax() : null,
        edm ? S_NOISE.or(in.sNoise()) : null, in.guidance());
  }

  /**
   * The family's checks of the parameters it takes (the others are refused by {@link Family#notApplicable}).
   *
   * @param in what was asked for (null: the default)
   * @param out where problems are added
   */
  public static void validate(SamplerSettings in, List<Problem> out) {
    SamplerKind kind = in.kind();
    boolean edm = kind == SamplerKind.EDM_HEUN;
    if (edm) {
      if (in.grid() != null) {
        out.add(new Problem(GRID.wire(), "does not apply to edm-heun (use sigmas)"));
      }
    } else {
      for (SamplerParam p : List.of(S_CHURN, S_TMIN, S_TMAX, S_NOISE)) {
        SamplerSpec.onlyFor(false, p, p.get(in), kind, out);
      }
      SamplerSpec.checkOneGrid(in, out);
    }
    SamplerSpec.onlyFor(kind == SamplerKind.UNIPC, ORDER, in.order(), kind, out);
    SamplerSpec.checkContinuousSteps(kind, in.steps(), out);
    SamplerSpec.checkEps(in.eps(), out);
    if (kind == SamplerKind.UNIPC) {
      int order = ORDER.or(in.order());
      if (order != 2 && order != 3) {
        out.add(new Problem(ORDER.wire(), "must be 2 or 3, got " + order));
      }
    }
    if (edm) {
      churn(in, out);
    }
    SamplerSpec.checkGuidance(in.guidance(), out);
  }

  /** edm-heun's S_churn, S_tmin, S_tmax (none: ∞) and S_noise. */
  private static void churn(SamplerSettings in, List<Problem> out) {
    double churn = S_CHURN.or(in.sChurn());
    double tmin = S_TMIN.or(in.sTmin());
    double noise = S_NOISE.or(in.sNoise());
    if (!(churn >= 0 && Double.isFinite(churn))) {
      out.add(new Problem(S_CHURN.wire(), "must be a finite number >= 0, got " + churn));
    }
    if (!(tmin >= 0 && Double.isFinite(tmin))) {
      out.add(new Problem(S_TMIN.wire(), "must be a finite number >= 0, got " + tmin));
    }
    Double tmax = in.sTmax();
    if (tmax != null && !(tmax > tmin && Double.isFinite(tmax))) {
      out.add(new Problem(S_TMAX.wire(), "must be a finite number > s-tmin (" + tmin + "), got " + tmax));
    }
    if (!(noise > 0 && Double.isFinite(noise))) {
      out.add(new Problem(S_NOISE.wire(), "must be a finite number > 0, got " + noise));
    }
  }

  private static SamplerSettings flat(SamplerKind kind, int steps, double eps, GridKind grid, SigmasKind sigmas,
      boolean denoise, Integer order, Double sChurn, Double sTmin, Double sTmax, Double sNoise, Double guidance) {
    return SamplerSettings.builder(kind).optSteps(steps).optEps(eps).optGrid(grid).optSigmas(sigmas)
        .optDenoise(denoise).optOrder(order).optSChurn(sChurn).optSTmin(sTmin).optSTmax(sTmax).optSNoise(sNoise)
        .optGuidance(guidance).build();
  }
}
