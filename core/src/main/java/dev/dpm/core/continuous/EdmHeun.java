package dev.dpm.core.continuous;

import dev.dpm.core.noise.NoiseStream;

/**
 * {@code edm-heun}: Karras et al. 2022, Algorithm 2 (k-diffusion {@code sample_heun}) for a VP model,
 * in the scaled state x̃ = x/α and noise level σ̃ = σ/α (k-diffusion's VP wrapper:
 * D(x̃, σ̃) = x̃ − σ̃ ε(α x̃, t(σ̃)), so dx̃/dσ̃ = ε). For each step i of the grid σ̃_0 &gt; … &gt; σ̃_K:
 *
 * <pre>
 *   γ_i = min(S_churn/K, √2 − 1) if S_tmin ≤ σ̃_i ≤ S_tmax, else 0      ({@link #gammas})
 *   σ̂ = σ̃_i (1 + γ_i),   x̃̂ = x̃_i + √(σ̂² − σ̃_i²) S_noise z,   z ~ N(0, I) (drawn only when γ_i &gt; 0)
 *   d₁ = ε(x̃̂, σ̂),   x̃' = x̃̂ + (σ̃_{i+1} − σ̂) d₁,   d₂ = ε(x̃', σ̃_{i+1})
 *   x̃_{i+1} = x̃̂ + (σ̃_{i+1} − σ̂)(d₁ + d₂)/2
 * </pre>
 *
 * σ̂ never exceeds σ̃(1), the noisiest level the model knows (so step 0 is never churned). The grid
 * ends at σ̃(eps) &gt; 0, so the last step is Heun too; Karras's final Euler step to σ = 0 is the
 * (churn-free) denoising step. Two evaluations per step.
 */
final class EdmHeun extends FixedStepProcess {
  private final NoiseStream noise;
  private final double[] gamma; // [K] γ_i, shared, read only
  private final double sNoise;
  private final double[] d1; // [d]
  private final double[] predicted; // [d], α_{i+1} x̃'
  private final float[] z; // [d]
  private double tHat; // the time of x: t(σ̂) after churn
  private boolean corrector;

  EdmHeun(VpSde sde, double[] grid, boolean denoise, double[] x, NoiseStream noise,
      double[] gamma, double sNoise) {
    super(sde, grid, denoise, x);
    this.noise = noise;
    this.gamma = gamma;
    this.sNoise = sNoise;
    this.d1 = new double[d];
    this.predicted = new double[d];
    this.z = new float[d];
    this.tHat = grid[0];
    churn(); // γ_0 = 0: x stays x_T
  }

  @Override
  void advance(float[] eps) {
    double next = grid[step + 1];
    double a = sde.alpha(tHat);
    double an = sde.alpha(next);
    double ds = sde.sigmaTilde(next) - sde.sigmaTilde(tHat);
    if (!corrector) {
      for (int j = 0; j < d; j++) {
        d1[j] = eps[j];
        predicted[j] = an * (x[j] / a + ds * d1[j]);
      }
      corrector = true;
      ask(predicted, next);
      return;
    }
    for (int j = 0; j < d; j++) {
      x[j] = an * (x[j] / a + ds * 0.5 * (d1[j] + eps[j]));
    }
    corrector = false;
    tHat = next;
    nextStep();
    churn();
  }

  /** Raises the noise of x from σ̃_i to σ̂ and asks for ε there (nothing when γ_i = 0 or done). */
  private void churn() {
    if (step >= gamma.length || gamma[step] == 0) {
      return;
    }
    double s = sde.sigmaTilde(grid[step]);
    double sHat = s * (1.0 + gamma[step]);
    double t = sde.timeAtSigmaTilde(sHat);
    double a = sde.alpha(grid[step]);
    double aHat = sde.alpha(t);
    double add = Math.sqrt(sHat * sHat - s * s) * sNoise;
    noise.nextGaussian(z);
    for (int j = 0; j < d; j++) {
      x[j] = aHat * (x[j] / a + add * z[j]);
    }
    tHat = t;
    ask(x, t);
  }

  /**
   * The churn of each step, γ_i = min(S_churn/K, √2 − 1) for S_tmin ≤ σ̃_i ≤ S_tmax, capped so that
   * σ̃_i(1 + γ_i) ≤ σ̃(1).
   *
   * @param sde the SDE
   * @param grid [K+1] times (decreasing)
   * @param sChurn S_churn ≥ 0
   * @param sTmin S_tmin
   * @param sTmax S_tmax (may be +∞)
   * @return [K] γ_i
   */
  static double[] gammas(VpSde sde, double[] grid, double sChurn, double sTmin, double sTmax) {
    int k = grid.length - 1;
    double max = sde.sigmaTilde(grid[0]);
    double[] g = new double[k];
    for (int i = 0; i < k; i++) {
      double s = sde.sigmaTilde(grid[i]);
      if (sChurn > 0 && s >= sTmin && s <= sTmax) {
        g[i] = Math.max(0.0, Math.min(Math.min(sChurn / k, Math.sqrt(2.0) - 1.0), max / s - 1.0));
      }
    }
    return g;
  }
}
