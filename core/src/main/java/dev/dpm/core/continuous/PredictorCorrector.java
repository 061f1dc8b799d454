package dev.dpm.core.continuous;

import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;

/**
 * {@code sde-pc}: the predictor–corrector sampler (Song et al. 2021 Alg. 2 and 5; score_sde
 * {@code get_pc_sampler}). At each grid time t_i, first {@code corrector-steps} Langevin steps, then
 * one predictor step to t_{i+1}; every step is one ε evaluation and one noise draw.
 *
 * <p>Langevin corrector (score_sde {@code LangevinCorrector}), with s = −ε/σ(t_i), z ~ N(0, I) and
 * α_i = 1 − β_i ({@link VpSde#langevinAlpha}):
 *
 * <pre>
 *   e = 2 α_i (snr ‖z‖ / ‖s‖)²,   x ← x + e s + √(2e) z
 * </pre>
 *
 * where, unlike score_sde (which averages both norms over the batch), the norms are those of this
 * sample, so a sample never depends on its batch-mates. A zero score (‖s‖ = 0) skips the move.
 *
 * <p>Predictors, with h = t_i − t_{i+1}:
 *
 * <ul>
 *   <li>reverse diffusion (score_sde {@code ReverseDiffusionPredictor} with the DDPM discretisation
 *       of the VP-SDE, on the step's own skip β_h = 1 − ᾱ(t_i)/ᾱ(t_{i+1})):
 *       x ← (2 − √(1 − β_h)) x + β_h s + √β_h z. For sub-VP, score_sde has no special
 *       discretisation and this equals Euler–Maruyama.
 *   <li>Euler–Maruyama: x ← x − [f x − g² s] h + g √h z.
 * </ul>
 */
final class PredictorCorrector extends FixedStepProcess {
  private final NoiseStream noise;
  private final PredictorKind predictor;
  private final double snr;
  private final int correctorSteps;
  private final float[] z; // [d]
  private int corrections; // Langevin steps done at the current grid time

  PredictorCorrector(VpSde sde, double[] grid, boolean denoise, double[] x, NoiseStream noise,
      PredictorKind predictor, double snr, int correctorSteps) {
    super(sde, grid, denoise, x);
    this.noise = noise;
    this.predictor = predictor;
    this.snr = snr;
    this.correctorSteps = correctorSteps;
    this.z = new float[d];
  }

  @Override
  void advance(float[] eps) {
    double t = grid[step];
    if (corrections < correctorSteps) {
      langevin(eps, t);
      corrections++;
      ask(x, t);
      return;
    }
    if (predictor == PredictorKind.REVERSE_DIFFUSION && !sde.subVp()) {
      reverseDiffusion(eps, t, grid[step + 1]);
    } else {
      eulerMaruyama(eps, t, t - grid[step + 1]);
    }
    corrections = 0;
    nextStep();
  }

  private void langevin(float[] eps, double t) {
    double sigma = sde.sigma(t);
    noise.nextGaussian(z);
    double s2 = 0;
    double z2 = 0;
    for (int j = 0; j < d; j++) {
      double s = -eps[j] / sigma;
      s2 += s * s;
      z2 += (double) z[j] * z[j];
    }
    if (s2 == 0) {
      return;
    }
    double e = 2.0 * sde.langevinAlpha(t) * snr * snr * z2 / s2; // 2α(snr‖z‖/‖s‖)²
    double noiseScale = Math.sqrt(2.0 * e);
    for (int j = 0; j < d; j++) {
      x[j] = x[j] + e * (-eps[j] / sigma) + noiseScale * z[j];
    }
  }

  private void reverseDiffusion(float[] eps, double t, double next) {
    double bh = -Math.expm1(sde.logAlphaBar(t) - sde.logAlphaBar(next)); // skip β over the step
    double keep = 2.0 - Math.sqrt(1.0 - bh);
    double sigma = sde.sigma(t);
    double sqrtBh = Math.sqrt(bh);
    noise.nextGaussian(z);
    for (int j = 0; j < d; j++) {
      x[j] = keep * x[j] + bh * (-eps[j] / sigma) + sqrtBh * z[j];
    }
  }

  private void eulerMaruyama(float[] eps, double t, double h) {
    double f = sde.drift(t);
    double g2 = sde.diffusion2(t);
    double g2OverSigma = g2 / sde.sigma(t);
    double gSqrtH = Math.sqrt(g2 * h);
    noise.nextGaussian(z);
    for (int j = 0; j < d; j++) {
      x[j] = x[j] - (f * x[j] + g2OverSigma * eps[j]) * h + gSqrtH * z[j];
    }
  }
}
