package dev.dpm.core.continuous;

import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.noise.PreparedNoise;

/**
 * {@code sde-em}: Euler–Maruyama on the reverse-time SDE (Song et al. 2021 eq. 6; score_sde
 * {@code EulerMaruyamaPredictor}). With h = t_i − t_{i+1} &gt; 0 and s = −ε/σ(t_i):
 *
 * <pre>
 *   x ← x − [f(t_i) x − g²(t_i) s] h + g(t_i) √h z,   z ~ N(0, I)
 * </pre>
 *
 * with f = −½β̄_i and g² = β̄_i (sub-VP: β̄_i(1 − ᾱ(t_i)²)), where β̄_i is the mean of β over the
 * step ({@link Steps#meanBeta}; score_sde takes β(t_i), which on the matched SDE's staircase
 * depends on where t_i falls). One ε evaluation and one noise draw per step (the last step too;
 * the final denoising step, when on, then removes the remaining noise).
 */
final class EulerMaruyama extends FixedStepProcess {
  private final PreparedNoise noise; // one draw per step

  EulerMaruyama(VpSde sde, double[] grid, boolean denoise, double[] x, NoiseStream noise) {
    super(sde, grid, denoise, x);
    this.noise = new PreparedNoise(noise, d);
  }

  @Override
  void prepareAdvance() {
    noise.prepare();
  }

  @Override
  void advance(float[] eps) {
    double t = grid[step];
    double h = t - grid[step + 1];
    double beta = Steps.meanBeta(sde, t, grid[step + 1]);
    double f = -0.5 * beta;
    double g2 = Steps.diffusion2(sde, t, beta);
    double g2OverSigma = g2 / sde.sigma(t); // −g² s = (g²/σ) ε
    double gSqrtH = Math.sqrt(g2 * h);
    float[] z = noise.next();
    for (int j = 0; j < d; j++) {
      x[j] = x[j] - (f * x[j] + g2OverSigma * eps[j]) * h + gSqrtH * z[j];
    }
    nextStep();
  }
}
