package dev.dpm.core.continuous;

import dev.dpm.core.noise.NoiseStream;

/**
 * {@code sde-dpm-solver-2m}: SDE-DPM-Solver++(2M) with the midpoint correction and η = 1 (Lu et al.
 * 2022b, §5 and Appendix; k-diffusion {@code sample_dpmpp_2m_sde}, diffusers
 * {@code algorithm_type="sde-dpmsolver++"}). With h = λ_{i+1} − λ_i, r = h_{i−1}/h and the data
 * prediction x̂₀ = (x − σε)/α:
 *
 * <pre>
 *   x_{i+1} = (σ_{i+1}/σ_i) e^{−h} x_i + α_{i+1} (1 − e^{−2h}) [x̂₀_i + (x̂₀_i − x̂₀_{i−1})/(2r)]
 *             + σ_{i+1} √(1 − e^{−2h}) z,   z ~ N(0, I)
 * </pre>
 *
 * Step 0 is first order. One evaluation and one draw from the sample's stream per step; the
 * denoising step (k-diffusion's last step to σ = 0, "x = denoised") adds no noise.
 */
final class SdeDpmSolver2M extends FixedStepProcess {
  private final NoiseStream noise;
  private final double[] prevX0; // [d]
  private final float[] z; // [d]
  private double prevH;

  SdeDpmSolver2M(VpSde sde, double[] grid, boolean denoise, double[] x, NoiseStream noise) {
    super(sde, grid, denoise, x);
    this.noise = noise;
    this.prevX0 = new double[d];
    this.z = new float[d];
  }

  @Override
  void advance(float[] eps) {
    double t = grid[step];
    double next = grid[step + 1];
    double alpha = sde.alpha(t);
    double sigma = sde.sigma(t);
    double h = sde.lambda(next) - sde.lambda(t);
    double keep = sde.sigma(next) / sigma * Math.exp(-h);
    double c = sde.alpha(next) * -Math.expm1(-2.0 * h); // α_{i+1}(1 − e^{−2h})
    double half = step == 0 ? 0.0 : 0.5 * h / prevH; // 1/(2r)
    double std = sde.sigma(next) * Math.sqrt(-Math.expm1(-2.0 * h));
    noise.nextGaussian(z);
    for (int j = 0; j < d; j++) {
      double x0 = (x[j] - sigma * eps[j]) / alpha;
      x[j] = keep * x[j] + c * (x0 + half * (x0 - prevX0[j])) + std * z[j];
      prevX0[j] = x0;
    }
    prevH = h;
    nextStep();
  }
}
