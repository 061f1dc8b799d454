package dev.dpm.core.continuous;

/**
 * {@code dpm-solver-2m}: DPM-Solver++(2M), the multistep second-order solver of the
 * probability-flow ODE in log-SNR time λ = log(α/σ) with the data prediction
 * x̂₀ = (x − σε)/α (Lu et al. 2022b, Alg. 2; dpm-solver {@code multistep_dpm_solver_second_update}
 * with {@code solver_type='dpmsolver'}). With h_i = λ_{i+1} − λ_i:
 *
 * <pre>
 *   first order (DDIM):  x_{i+1} = (σ_{i+1}/σ_i) x_i − α_{i+1} (e^{−h_i} − 1) x̂₀_i
 *   second order:        r = h_{i−1}/h_i,  D = (x̂₀_i − x̂₀_{i−1})/r,
 *                        x_{i+1} = (σ_{i+1}/σ_i) x_i − α_{i+1} (e^{−h_i} − 1) (x̂₀_i + D/2)
 * </pre>
 *
 * The first step is first order; the last step is first order when K &lt; 10
 * ({@code lower_order_final}, as in the reference implementation). One evaluation per step. Runs in
 * either direction (the reference's {@code inverse()} is the same update with h &lt; 0).
 */
final class DpmSolver2M extends FixedStepProcess {
  private final double[] prevX0; // [d], x̂₀ at the previous grid point
  private double prevLambda;

  DpmSolver2M(VpSde sde, double[] grid, boolean denoise, double[] x) {
    super(sde, grid, denoise, x);
    this.prevX0 = new double[x.length];
  }

  @Override
  void advance(float[] eps) {
    int k = grid.length - 1;
    double t = grid[step];
    double next = grid[step + 1];
    double alpha = sde.alpha(t);
    double sigma = sde.sigma(t);
    double lambda = sde.lambda(t);
    double h = sde.lambda(next) - lambda;
    double ratio = sde.sigma(next) / sigma;
    double c = -sde.alpha(next) * Math.expm1(-h); // −α_{i+1}(e^{−h} − 1)
    boolean firstOrder = step == 0 || (k < 10 && step == k - 1);
    double half = firstOrder ? 0.0 : 0.5 * h / (lambda - prevLambda); // ½·(1/r)
    for (int j = 0; j < d; j++) {
      double x0 = (x[j] - sigma * eps[j]) / alpha;
      double corr = half * (x0 - prevX0[j]); // D/2
      x[j] = ratio * x[j] + c * (x0 + corr);
      prevX0[j] = x0;
    }
    prevLambda = lambda;
    nextStep();
  }
}
