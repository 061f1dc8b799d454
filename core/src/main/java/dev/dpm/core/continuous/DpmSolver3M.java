package dev.dpm.core.continuous;

/**
 * {@code dpm-solver-3m}: DPM-Solver++(3M), the deterministic third-order multistep solver in
 * log-SNR time λ with the data prediction x̂₀ = (x − σε)/α (Lu et al. 2022b; dpm-solver
 * {@code multistep_dpm_solver_third_update}; k-diffusion {@code sample_dpmpp_3m_sde} with η = 0).
 * With h = λ_{i+1} − λ_i, r₀ = h_{i−1}/h, r₁ = h_{i−2}/h, φ₂ = (e^{−h} − 1)/h + 1, φ₃ = φ₂/h − ½:
 *
 * <pre>
 *   x_{i+1} = (σ_{i+1}/σ_i) x_i + α_{i+1} [(1 − e^{−h}) x̂₀_i + φ₂ D₁ − φ₃ D₂]
 *   D₁⁰ = (x̂₀_i − x̂₀_{i−1})/r₀,  D₁¹ = (x̂₀_{i−1} − x̂₀_{i−2})/r₁,
 *   D₁ = D₁⁰ + (D₁⁰ − D₁¹) r₀/(r₀ + r₁),  D₂ = (D₁⁰ − D₁¹)/(r₀ + r₁)
 * </pre>
 *
 * Step 0 is first order (D₁ = D₂ = 0), step 1 second order (D₁ = D₁⁰, D₂ = 0), as in k-diffusion;
 * there is no lower-order final step (the denoising step plays that part). One evaluation per step.
 */
final class DpmSolver3M extends FixedStepProcess {
  private final double[] x01; // [d] x̂₀_{i−1}
  private final double[] x02; // [d] x̂₀_{i−2}
  private double h1; // h_{i−1}
  private double h2; // h_{i−2}

  DpmSolver3M(VpSde sde, double[] grid, boolean denoise, double[] x) {
    super(sde, grid, denoise, x);
    this.x01 = new double[d];
    this.x02 = new double[d];
  }

  @Override
  void advance(float[] eps) {
    double t = grid[step];
    double next = grid[step + 1];
    double alpha = sde.alpha(t);
    double sigma = sde.sigma(t);
    double an = sde.alpha(next);
    double h = sde.lambda(next) - sde.lambda(t);
    double ratio = sde.sigma(next) / sigma;
    double phi1 = -Math.expm1(-h); // 1 − e^{−h}
    double phi2 = -phi1 / h + 1.0;
    double phi3 = phi2 / h - 0.5;
    double r0 = h1 / h;
    double r1 = h2 / h;
    for (int j = 0; j < d; j++) {
      double x0 = (x[j] - sigma * eps[j]) / alpha;
      double corr = 0.0;
      if (step >= 2) {
        double d10 = (x0 - x01[j]) / r0;
        double d11 = (x01[j] - x02[j]) / r1;
        corr = phi2 * (d10 + (d10 - d11) * r0 / (r0 + r1)) - phi3 * (d10 - d11) / (r0 + r1);
      } else if (step == 1) {
        corr = phi2 * (x0 - x01[j]) / r0;
      }
      x[j] = ratio * x[j] + an * (phi1 * x0 + corr);
      x02[j] = x01[j];
      x01[j] = x0;
    }
    h2 = h1;
    h1 = h;
    nextStep();
  }
}
