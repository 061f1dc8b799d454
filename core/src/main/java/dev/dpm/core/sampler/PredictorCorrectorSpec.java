package dev.dpm.core.sampler;

import static dev.dpm.core.sampler.SamplerParam.CORRECTOR_STEPS;
import static dev.dpm.core.sampler.SamplerParam.DENOISE;
import static dev.dpm.core.sampler.SamplerParam.EPS;
import static dev.dpm.core.sampler.SamplerParam.GRID;
import static dev.dpm.core.sampler.SamplerParam.PREDICTOR;
import static dev.dpm.core.sampler.SamplerParam.SNR;

import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of the predictor–corrector sampler {@code sde-pc}: K, the final time, one grid (time or noise
 * level), the final denoising step, the Langevin corrector's signal-to-noise ratio &gt; 0 and steps ≥ 1, the
 * predictor.
 *
 * @param steps K, 1 … {@link SamplerSpec#MAX_CONTINUOUS_STEPS}
 * @param eps final time in (0, 0.1]
 * @param grid time grid, or null when sigmas is set
 * @param sigmas noise-level grid, or null
 * @param denoise final denoising step
 * @param snr corrector signal-to-noise ratio &gt; 0
 * @param correctorSteps Langevin steps per predictor step ≥ 1
 * @param predictor the predictor
 * @param guidance classifier-free guidance w ≥ 0, or null
 * @throws InvalidSpecException naming every bad field
 */
public record PredictorCorrectorSpec(int steps, double eps, GridKind grid, SigmasKind sigmas, boolean denoise,
    double snr, int correctorSteps, PredictorKind predictor, Double guidance) implements SamplerSpec {

  /** Checks every field. */
  public PredictorCorrectorSpec {
    List<Problem> problems = new ArrayList<>();
    validate(flat(steps, eps, grid, sigmas, denoise, snr, correctorSteps, predictor, guidance), problems);
    if (predictor == null) {
      problems.add(new Problem(PREDICTOR.wire(), "is required"));
    }
    InvalidSpecException.throwIf(problems);
  }

  @Override
  public SamplerKind kind() {
    return SamplerKind.SDE_PC;
  }

  @Override
  public SamplerSettings settings() {
    return flat(steps, eps, grid, sigmas, denoise, snr, correctorSteps, predictor, guidance);
  }

  /**
   * @param in what was asked for (valid: {@link #validate} found nothing)
   * @return the spec with every default filled
   * @throws InvalidSpecException when it is not valid
   */
  public static PredictorCorrectorSpec of(SamplerSettings in) {
    SigmasKind sigmas = in.sigmas();
    return new PredictorCorrectorSpec(in.steps(), EPS.or(in.eps()), sigmas != null ? null : GRID.or(in.grid()),
        sigmas, DENOISE.or(in.denoise()), SNR.or(in.snr()), CORRECTOR_STEPS.or(in.correctorSteps()),
        PREDICTOR.or(in.predictor()), in.guidance());
  }

  /**
   * The family's checks of the parameters it takes (the others are refused by {@link Family#notApplicable}).
   *
   * @param in what was asked for (null: the default)
   * @param out where problems are added
   */
  public static void validate(SamplerSettings in, List<Problem> out) {
    SamplerSpec.checkOneGrid(in, out);
    SamplerSpec.checkContinuousSteps(SamplerKind.SDE_PC, in.steps(), out);
    SamplerSpec.checkEps(in.eps(), out);
    double snr = SNR.or(in.snr());
    if (!(snr > 0 && Double.isFinite(snr))) {
      out.add(new Problem(SNR.wire(), "must be a number > 0, got " + snr));
    }
    int corrector = CORRECTOR_STEPS.or(in.correctorSteps());
    if (corrector < 1) {
      out.add(new Problem(CORRECTOR_STEPS.wire(), "must be at least 1, got " + corrector));
    }
    SamplerSpec.checkGuidance(in.guidance(), out);
  }

  private static SamplerSettings flat(int steps, double eps, GridKind grid, SigmasKind sigmas, boolean denoise,
      double snr, int correctorSteps, PredictorKind predictor, Double guidance) {
    return SamplerSettings.builder(SamplerKind.SDE_PC).optSteps(steps).optEps(eps).optGrid(grid).optSigmas(sigmas)
        .optDenoise(denoise).optSnr(snr).optCorrectorSteps(correctorSteps).optPredictor(predictor)
        .optGuidance(guidance).build();
  }
}
