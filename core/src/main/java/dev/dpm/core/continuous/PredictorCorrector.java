package dev.dpm.core.continuous;

import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.noise.PreparedNoise;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;

/**
 * {@code sde-pc}: the predictor–corrector sampler (Song et al. 2021 Alg. 2 and 5; score_sde
 * {@code get_pc_sampler}). At each grid time t_i, first {@code corrector-steps} Langevin steps, then
 * one predictor step to t_{i+1}; every step is one ε evaluation and one noise draw.
 *
 * <p>Langevin corrector (score_sde {@code LangevinCorrector}; Song et al. 2021 Alg. 5), with
 * s = −ε/σ(t_i), z ~ N(0, I) and α_i = 1 − β_i ({@link VpSde#langevinAlpha}):
 *
 * <pre>
 *   e = min(2 α_i snr² d / E‖s‖², σ²),   E‖s‖² = d·Γ(n)/σ(t_i)²,   x ← x + e s + √(2e) z
 * </pre>
 *
 * i.e. score_sde's e = 2α_i(snr·‖z‖/‖s‖)² with both norms replaced by their expectations
 * (E‖z‖² = d; Γ(n) = E‖ε_θ(x_n, n)‖²/d, the model's calibrated Analytic-DPM moment, interpolated
 * at n = t·N and clamped to [1e-4, 1]; Γ = 1 when the model has none, which gives score_sde's
 * annealed-Langevin step 2α_i(snr·σ)²). score_sde averages the norms over the batch, coupling the
 * samples. Reading Alg. 5 per sample instead biases the corrector in low dimension: with the
 * sample's own ‖s‖ the step depends on x, so Langevin's stationary density becomes q(x)/e(x), and
 * e → ∞ near a mode where ‖s‖ → 0; with the sample's own ‖z‖ the same z scales both e and the
 * noise, whose variance grows by (d + 2)/d. On the 2-D Gaussian oracle (variance 0.25; snr 0.16,
 * 250 quadratic steps) per-sample norms give a variance of 4.9, expected norms 0.256; in 256-D
 * both give 0.255–0.261 ({@code PredictorCorrectorTest}). With expectations the step is a
 * constant of (t, model): no batch coupling, no state dependence, and in high dimension, where the
 * norms concentrate, the same step as score_sde's. The cap e ≤ σ² guards
 * against a poor Γ: since −∇² log q_t ≼ I/σ², a Langevin step with e &lt; 2σ² never diverges.
 *
 * <p>Predictors, with h = t_i − t_{i+1}:
 *
 * <ul>
 *   <li>reverse diffusion (score_sde {@code ReverseDiffusionPredictor} with the DDPM discretisation
 *       of the VP-SDE, on the step's own skip β_h = 1 − ᾱ(t_i)/ᾱ(t_{i+1})):
 *       x ← (2 − √(1 − β_h)) x + β_h s + √β_h z. For sub-VP, score_sde has no special
 *       discretisation and this equals Euler–Maruyama.
 *   <li>Euler–Maruyama: x ← x − [f x − g² s] h + g √h z, with β averaged over the step as in
 *       {@link EulerMaruyama}.
 * </ul>
 */
final class PredictorCorrector extends FixedStepProcess {
  /** Where the norms of the Langevin step size come from. */
  enum Norms {
    /** Expectations E‖z‖² = d and E‖s‖² = dΓ/σ² (the default, see the class comment). */
    EXPECTED,
    /** This sample's own ‖z‖ and ‖s‖ (Alg. 5 read per sample; kept to demonstrate its bias). */
    SAMPLE
  }

  private final PreparedNoise noise; // one draw per Langevin or predictor step
  private final PredictorKind predictor;
  private final double snr;
  private final int correctorSteps;
  private final double[] gamma; // Γ[0..N] or null
  private final Norms norms;
  private int corrections; // Langevin steps done at the current grid time

  PredictorCorrector(VpSde sde, double[] grid, boolean denoise, double[] x, NoiseStream noise,
      PredictorKind predictor, double snr, int correctorSteps, double[] gamma, Norms norms) {
    super(sde, grid, denoise, x);
    this.gamma = gamma;
    this.norms = norms;
    this.noise = new PreparedNoise(noise, d);
    this.predictor = predictor;
    this.snr = snr;
    this.correctorSteps = correctorSteps;
  }

  @Override
  void prepareAdvance() {
    noise.prepare();
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
    double s2 = sigma * sigma;
    float[] z = noise.next();
    double e;
    if (norms == Norms.EXPECTED) { // 2α snr² E‖z‖²/E‖s‖², capped at σ²
      e = Math.min(2.0 * sde.langevinAlpha(t) * snr * snr * s2 / gammaAt(sde.stepIndex(t)), s2);
    } else { // 2α (snr ‖z‖/‖s‖)² of this sample
      double z2 = 0;
      double g2 = 0;
      for (int j = 0; j < d; j++) {
        z2 += (double) z[j] * z[j];
        g2 += (double) eps[j] * eps[j] / s2;
      }
      e = g2 == 0 ? 0 : 2.0 * sde.langevinAlpha(t) * snr * snr * z2 / g2;
    }
    double noiseScale = Math.sqrt(2.0 * e);
    for (int j = 0; j < d; j++) {
      x[j] = x[j] + e * (-eps[j] / sigma) + noiseScale * z[j];
    }
  }

  /** Γ(n) interpolated linearly between integer steps, clamped to [1e-4, 1]; 1 without Γ. */
  private double gammaAt(double n) {
    if (gamma == null) {
      return 1.0;
    }
    int last = gamma.length - 1;
    double c = Math.max(0, Math.min(last, n));
    int lo = (int) Math.min(last - 1, Math.floor(c));
    double g = gamma[lo] + (c - lo) * (gamma[lo + 1] - gamma[lo]);
    return Math.max(1e-4, Math.min(1.0, g));
  }

  private void reverseDiffusion(float[] eps, double t, double next) {
    double bh = -Math.expm1(sde.logAlphaBar(t) - sde.logAlphaBar(next)); // skip β over the step
    double keep = 2.0 - Math.sqrt(1.0 - bh);
    double sigma = sde.sigma(t);
    double sqrtBh = Math.sqrt(bh);
    float[] z = noise.next();
    for (int j = 0; j < d; j++) {
      x[j] = keep * x[j] + bh * (-eps[j] / sigma) + sqrtBh * z[j];
    }
  }

  private void eulerMaruyama(float[] eps, double t, double h) {
    double beta = Steps.meanBeta(sde, t, t - h);
    double f = -0.5 * beta;
    double g2 = Steps.diffusion2(sde, t, beta);
    double g2OverSigma = g2 / sde.sigma(t);
    double gSqrtH = Math.sqrt(g2 * h);
    float[] z = noise.next();
    for (int j = 0; j < d; j++) {
      x[j] = x[j] - (f * x[j] + g2OverSigma * eps[j]) * h + gSqrtH * z[j];
    }
  }
}
