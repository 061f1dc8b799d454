package dev.dpm.core.continuous;

/**
 * The weights ρ of UniPC's B(h) updates (Zhao et al. 2023, Alg. 2 and 3; diffusers
 * {@code multistep_uni_p_bh_update} / {@code multistep_uni_c_bh_update}) for the data prediction
 * and B(h) = e^{ĥ} − 1 ({@code bh2}), with ĥ = −h:
 *
 * <pre>
 *   R_{k,m} = r_m^{k−1},   b_k = k! · h φ_{k+1}(ĥ) / B(h),   k = 1 … p,
 *   h φ_1 = e^{ĥ} − 1,  hφ_{k+1} = hφ_k/ĥ − 1/k!   (hφ_2 = hφ_1/ĥ − 1)
 * </pre>
 *
 * with r = (r_1, …, r_{p−1}, 1), r_m = (λ_{s_m} − λ_{s_0})/h. The predictor solves the leading
 * (p−1)×(p−1) system (ρ = ½ when p = 2), the corrector the whole p×p one (ρ = ½ when p = 1), as the
 * reference does.
 */
final class UniPcCoefficients {
  private UniPcCoefficients() {}

  /**
   * @param rks r_1 … r_{p−1}, 1 ([p])
   * @param h the step in λ
   * @param corrector true for UniC (p×p), false for UniP ((p−1)×(p−1))
   * @return ρ ([p] for UniC, [p−1] for UniP)
   */
  static double[] rhos(double[] rks, double h, boolean corrector) {
    int p = rks.length;
    int n = corrector ? p : p - 1;
    if (n == 0) {
      return new double[0];
    }
    if (n == 1) {
      return new double[] {0.5};
    }
    double hh = -h;
    double bh = Math.expm1(hh); // B(h), bh2
    double hPhi = Math.expm1(hh) / hh - 1.0;
    double factorial = 1.0;
    double[][] a = new double[n][n + 1]; // [R | b]
    for (int k = 1; k <= p; k++) {
      if (k <= n) {
        for (int m = 0; m < n; m++) {
          a[k - 1][m] = Math.pow(rks[m], k - 1);
        }
        a[k - 1][n] = hPhi * factorial / bh;
      }
      factorial *= k + 1;
      hPhi = hPhi / hh - 1.0 / factorial;
    }
    return solve(a);
  }

  /** Gaussian elimination with partial pivoting on an n×(n+1) augmented matrix (n ≤ 3). */
  private static double[] solve(double[][] a) {
    int n = a.length;
    for (int c = 0; c < n; c++) {
      int piv = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
          piv = r;
        }
      }
      double[] tmp = a[c];
      a[c] = a[piv];
      a[piv] = tmp;
      for (int r = c + 1; r < n; r++) {
        double f = a[r][c] / a[c][c];
        for (int k = c; k <= n; k++) {
          a[r][k] -= f * a[c][k];
        }
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double s = a[r][n];
      for (int k = r + 1; k < n; k++) {
        s -= a[r][k] * x[k];
      }
      x[r] = s / a[r][r];
    }
    return x;
  }
}
