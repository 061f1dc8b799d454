package dev.dpm.core.sampler;

import static dev.dpm.core.sampler.SamplerParam.ATOL;
import static dev.dpm.core.sampler.SamplerParam.DENOISE;
import static dev.dpm.core.sampler.SamplerParam.EPS;
import static dev.dpm.core.sampler.SamplerParam.RTOL;

import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of the adaptive probability-flow ODE sampler {@code ode-rk45}: the final time, the final denoising
 * step and the tolerances (≥ 1e-13, double precision); no step count, it chooses its steps.
 *
 * @param eps final time in (0, 0.1]
 * @param denoise final denoising step
 * @param rtol relative tolerance
 * @param atol absolute tolerance
 * @param guidance classifier-free guidance w ≥ 0, or null
 * @throws InvalidSpecException naming every bad field
 */
public record AdaptiveSpec(double eps, boolean denoise, double rtol, double atol, Double guidance)
    implements SamplerSpec {
  private static final double MIN_TOL = 1e-13;

  /** Checks every field. */
  public AdaptiveSpec {
    List<Problem> problems = new ArrayList<>();
    validate(flat(eps, denoise, rtol, atol, guidance), problems);
    InvalidSpecException.throwIf(problems);
  }

  @Override
  public SamplerKind kind() {
    return SamplerKind.ODE_RK45;
  }

  @Override
  public SamplerSettings settings() {
    return flat(eps, denoise, rtol, atol, guidance);
  }

  /**
   * @param in what was asked for (valid: {@link #validate} found nothing)
   * @return the spec with every default filled
   * @throws InvalidSpecException when it is not valid
   */
  public static AdaptiveSpec of(SamplerSettings in) {
    return new AdaptiveSpec(EPS.or(in.eps()), DENOISE.or(in.denoise()), RTOL.or(in.rtol()), ATOL.or(in.atol()),
        in.guidance());
  }

  /**
   * The family's checks of the parameters it takes (the others, steps included, are refused by
   * {@link Family#notApplicable}).
   *
   * @param in what was asked for (null: the default)
   * @param out where problems are added
   */
  public static void validate(SamplerSettings in, List<Problem> out) {
    SamplerSpec.checkEps(in.eps(), out);
    tolerance(RTOL, in.rtol(), out);
    tolerance(ATOL, in.atol(), out);
    SamplerSpec.checkGuidance(in.guidance(), out);
  }

  private static void tolerance(SamplerParam p, Double v, List<Problem> out) {
    double r = p.or(v);
    if (!(r > 0 && Double.isFinite(r))) {
      out.add(new Problem(p.wire(), "must be a number > 0, got " + r));
    } else if (r < MIN_TOL) {
      out.add(new Problem(p.wire(), "must be at least " + MIN_TOL + " (double precision), got " + r));
    }
  }

  private static SamplerSettings flat(double eps, boolean denoise, double rtol, double atol, Double guidance) {
    return SamplerSettings.builder(SamplerKind.ODE_RK45).optEps(eps).optDenoise(denoise).optRtol(rtol).optAtol(atol)
        .optGuidance(guidance).build();
  }
}
