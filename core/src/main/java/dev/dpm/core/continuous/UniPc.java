package dev.dpm.core.continuous;

/**
 * {@code unipc}: UniPC with the data prediction and B(h) = e^{−h} − 1 ({@code bh2}) of order p = 2
 * or 3 (Zhao et al. 2023; diffusers {@code UniPCMultistepScheduler(predict_x0=True,
 * solver_type="bh2", lower_order_final=True)}). At grid point i the network's ε at the predicted
 * x_i gives m_i = x̂₀; then
 *
 * <pre>
 *   UniC (i &gt; 0, order of the previous predictor):
 *     x_i ← (σ_i/σ_{i−1}) x_{i−1} − α_i hφ₁ m_{i−1} − α_i B(h) [Σ_k ρᶜ_k D_k + ρᶜ_p (m_i − m_{i−1})]
 *   UniP (order p_i = min(p, K − i, i + 1)):
 *     x_{i+1} = (σ_{i+1}/σ_i) x_i − α_{i+1} hφ₁ m_i − α_{i+1} B(h) Σ_k ρᵖ_k D_k
 *   D_k = (m_{s_k} − m_{s_0})/r_k,  r_k = (λ_{s_k} − λ_{s_0})/h,  hφ₁ = e^{−h} − 1
 * </pre>
 *
 * (weights ρ: {@link UniPcCoefficients}). The corrector reuses the evaluation the next predictor
 * needs, so one evaluation per step; the history m keeps the uncorrected points' predictions, as
 * in the reference. The final x_K is not corrected (the reference has no evaluation there).
 */
final class UniPc extends FixedStepProcess {
  private final int order;
  private final double[][] m; // [order][d], m[0] the latest x̂₀
  private final double[] last; // [d], x_{i−1} after correction
  private double[] spare; // [d], the row the next x̂₀ is written to
  private int lastOrder;

  UniPc(VpSde sde, double[] grid, boolean denoise, double[] x, int order) {
    super(sde, grid, denoise, x);
    this.order = order;
    this.m = new double[order][d];
    this.last = new double[d];
    this.spare = new double[d];
  }

  @Override
  void advance(float[] eps) {
    int i = step;
    double alpha = sde.alpha(grid[i]);
    double sigma = sde.sigma(grid[i]);
    double[] mNew = spare;
    for (int j = 0; j < d; j++) {
      mNew[j] = (x[j] - sigma * eps[j]) / alpha;
    }
    if (i > 0) {
      update(last, i - 1, i, lastOrder, mNew); // UniC on x_i
    }
    spare = m[order - 1]; // the oldest x̂₀ leaves the history
    System.arraycopy(m, 0, m, 1, order - 1);
    m[0] = mNew;
    int p = Math.min(order, Math.min(grid.length - 1 - i, i + 1));
    System.arraycopy(x, 0, last, 0, d);
    update(x, i, i + 1, p, null); // UniP to x_{i+1}
    lastOrder = p;
    nextStep();
  }

  /**
   * x ← the B(h) update from grid point s to t of order p, with the history m (m[0] at s); with
   * {@code mt} (the prediction at t) it is UniC, else UniP.
   */
  private void update(double[] from, int s, int t, int p, double[] mt) {
    boolean corrector = mt != null;
    double ls = sde.lambda(grid[s]);
    double h = sde.lambda(grid[t]) - ls;
    double[] rks = new double[p];
    for (int k = 1; k < p; k++) {
      rks[k - 1] = (sde.lambda(grid[s - k]) - ls) / h;
    }
    rks[p - 1] = 1.0;
    double[] rho = UniPcCoefficients.rhos(rks, h, corrector);
    double ratio = sde.sigma(grid[t]) / sde.sigma(grid[s]);
    double at = sde.alpha(grid[t]);
    double phi1 = Math.expm1(-h); // hφ₁ = B(h)
    for (int j = 0; j < d; j++) {
      double res = corrector ? rho[p - 1] * (mt[j] - m[0][j]) : 0.0;
      for (int k = 1; k < p; k++) {
        res += rho[k - 1] * (m[k][j] - m[0][j]) / rks[k - 1];
      }
      x[j] = ratio * from[j] - at * phi1 * m[0][j] - at * phi1 * res;
    }
  }
}
