package dev.dpm.bench.metrics;

import dev.dpm.core.model.MixtureSpec;

/**
 * Squared maximum mean discrepancy with the Gaussian (RBF) kernel
 * k(x, y) = exp(−‖x − y‖²/(2h²)) of width h (Gretton et al. 2012, JMLR 13, eq. 3):
 *
 * <pre>
 *   MMD²(Q, P) = E_{x,x'~Q} k(x, x') − 2 E_{x~Q, y~P} k(x, y) + E_{y,y'~P} k(y, y')
 * </pre>
 *
 * MMD² is 0 exactly when Q = P (the RBF kernel is characteristic) and is in kernel units (≤ 2).
 *
 * <p>Two estimators, both unbiased:
 * <ul>
 *   <li>{@link #unbiased}: two samples, the U-statistic MMD²_u (Gretton et al. 2012, eq. 3);</li>
 *   <li>{@link #againstMixture}: a sample of Q against an isotropic Gaussian mixture P known
 *       exactly — the P-terms are closed-form Gaussian integrals ({@link #kernelMean},
 *       {@link #mixtureSelfKernel}), so only Q is sampled. This is the "exact distance to the
 *       true distribution" of the 2-D oracle benchmarks.</li>
 * </ul>
 * Closed forms used, for y ~ N(μ, s² I) in d dimensions:
 * E_y k(x, y) = (h²/(h² + s²))^{d/2} exp(−‖x − μ‖²/(2(h² + s²))), and for independent
 * y ~ N(μ_a, s_a² I), y' ~ N(μ_b, s_b² I):
 * E k(y, y') = (h²/(h² + s_a² + s_b²))^{d/2} exp(−‖μ_a − μ_b‖²/(2(h² + s_a² + s_b²))).
 *
 * <p>Standard errors are first-order (Hoeffding projection) estimates: the estimator is close to
 * the mean of g(x_i) = 2(E_{x'~Q} k(x_i, x') − E_{y~P} k(x_i, y)) over the sample, so its standard
 * error is sd(g)/√n (plus the same for the second sample). When Q = P this first-order term
 * vanishes and the estimate's spread is of order 1/n, which the formula understates.
 */
public final class Mmd {
  private Mmd() {}

  /**
   * An MMD² estimate.
   *
   * @param value the unbiased estimate of MMD² (may be slightly negative when Q ≈ P)
   * @param stdError its first-order standard error
   * @param n size of the first sample
   * @param m size of the second sample (0 when P is exact)
   * @param width the kernel width h
   */
  public record Estimate(double value, double stdError, int n, int m, double width) {}

  /**
   * The kernel value.
   *
   * @param x a point, [d]
   * @param y a point, [d]
   * @param width h &gt; 0
   * @return exp(−‖x − y‖²/(2h²))
   */
  public static double kernel(float[] x, float[] y, double width) {
    double sq = 0;
    for (int j = 0; j < x.length; j++) {
      double diff = x[j] - y[j];
      sq += diff * diff;
    }
    return Math.exp(-sq / (2 * width * width));
  }

  /**
   * The two-sample unbiased estimate MMD²_u.
   *
   * @param x sample of Q, [n][d], n ≥ 2
   * @param y sample of P, [m][d], m ≥ 2
   * @param width h &gt; 0
   * @return the estimate with its first-order standard error
   */
  public static Estimate unbiased(float[][] x, float[][] y, double width) {
    checkWidth(width);
    int n = x.length;
    int m = y.length;
    if (n < 2 || m < 2) {
      throw new IllegalArgumentException("MMD²_u needs at least 2 points per sample, got " + n + " and " + m);
    }
    double[] kxx = rowSumsWithin(x, width); // Σ_{j≠i} k(x_i, x_j)
    double[] kyy = rowSumsWithin(y, width);
    double[] kxy = new double[n]; // Σ_j k(x_i, y_j)
    double[] kyx = new double[m]; // Σ_i k(x_i, y_j)
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double k = kernel(x[i], y[j], width);
        kxy[i] += k;
        kyx[j] += k;
      }
    }
    double sxx = 0;
    double syy = 0;
    double sxy = 0;
    for (int i = 0; i < n; i++) {
      sxx += kxx[i];
      sxy += kxy[i];
    }
    for (int j = 0; j < m; j++) {
      syy += kyy[j];
    }
    double value = sxx / ((double) n * (n - 1)) + syy / ((double) m * (m - 1)) - 2 * sxy / ((double) n * m);
    double[] gx = new double[n];
    for (int i = 0; i < n; i++) {
      gx[i] = 2 * (kxx[i] / (n - 1) - kxy[i] / m);
    }
    double[] gy = new double[m];
    for (int j = 0; j < m; j++) {
      gy[j] = 2 * (kyy[j] / (m - 1) - kyx[j] / n);
    }
    double se = Math.sqrt(variance(gx) / n + variance(gy) / m);
    return new Estimate(value, se, n, m, width);
  }

  /**
   * The unbiased estimate of MMD²(Q, P) for a sample of Q against an exactly known isotropic
   * Gaussian mixture P: (1/(n(n−1))) Σ_{i≠j} k(x_i, x_j) − (2/n) Σ_i E_P k(x_i, ·) + E_{P,P} k.
   *
   * @param x sample of Q, [n][d], n ≥ 2
   * @param p the mixture P
   * @param width h &gt; 0
   * @return the estimate with its first-order standard error
   */
  public static Estimate againstMixture(float[][] x, MixtureSpec p, double width) {
    checkWidth(width);
    int n = x.length;
    if (n < 2) {
      throw new IllegalArgumentException("MMD² needs at least 2 points, got " + n);
    }
    if (x[0].length != p.dimension()) {
      throw new IllegalArgumentException("points have " + x[0].length + " coordinates, the mixture "
          + p.dimension());
    }
    double[] kxx = rowSumsWithin(x, width);
    double sxx = 0;
    double sp = 0;
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      double kp = kernelMean(x[i], p, width);
      sxx += kxx[i];
      sp += kp;
      g[i] = 2 * (kxx[i] / (n - 1) - kp);
    }
    double value = sxx / ((double) n * (n - 1)) - 2 * sp / n + mixtureSelfKernel(p, width);
    return new Estimate(value, Math.sqrt(variance(g) / n), n, 0, width);
  }

  /**
   * E_{y~P} k(x, y) for an isotropic Gaussian mixture P, in closed form.
   *
   * @param x a point, [d]
   * @param p the mixture
   * @param width h
   * @return the kernel mean embedding of P at x
   */
  public static double kernelMean(float[] x, MixtureSpec p, double width) {
    int d = p.dimension();
    double h2 = width * width;
    double sum = 0;
    for (int c = 0; c < p.weights().length; c++) {
      double v = h2 + p.stds()[c] * p.stds()[c];
      double[] mu = p.means()[c];
      double sq = 0;
      for (int j = 0; j < d; j++) {
        double diff = x[j] - mu[j];
        sq += diff * diff;
      }
      sum += p.weights()[c] * Math.pow(h2 / v, 0.5 * d) * Math.exp(-sq / (2 * v));
    }
    return sum;
  }

  /**
   * E_{y,y'~P} k(y, y') for independent draws of an isotropic Gaussian mixture, in closed form.
   *
   * @param p the mixture
   * @param width h
   * @return the expected kernel value
   */
  public static double mixtureSelfKernel(MixtureSpec p, double width) {
    return crossKernel(p, p, width);
  }

  /**
   * The exact MMD² between two isotropic Gaussian mixtures (for tests and for stating what an
   * estimate should approach).
   *
   * @param q first mixture
   * @param p second mixture
   * @param width h
   * @return MMD²(Q, P)
   */
  public static double betweenMixtures(MixtureSpec q, MixtureSpec p, double width) {
    checkWidth(width);
    return crossKernel(q, q, width) - 2 * crossKernel(q, p, width) + crossKernel(p, p, width);
  }

  /** E_{y~A, y'~B} k(y, y') for independent draws. */
  private static double crossKernel(MixtureSpec a, MixtureSpec b, double width) {
    int d = a.dimension();
    if (b.dimension() != d) {
      throw new IllegalArgumentException("mixtures of different dimension");
    }
    double h2 = width * width;
    double sum = 0;
    for (int i = 0; i < a.weights().length; i++) {
      for (int j = 0; j < b.weights().length; j++) {
        double v = h2 + a.stds()[i] * a.stds()[i] + b.stds()[j] * b.stds()[j];
        double sq = 0;
        for (int k = 0; k < d; k++) {
          double diff = a.means()[i][k] - b.means()[j][k];
          sq += diff * diff;
        }
        sum += a.weights()[i] * b.weights()[j] * Math.pow(h2 / v, 0.5 * d) * Math.exp(-sq / (2 * v));
      }
    }
    return sum;
  }

  /** Σ_{j≠i} k(x_i, x_j) for every i (symmetric, each pair once). */
  private static double[] rowSumsWithin(float[][] x, double width) {
    int n = x.length;
    double[] s = new double[n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        double k = kernel(x[i], x[j], width);
        s[i] += k;
        s[j] += k;
      }
    }
    return s;
  }

  private static double variance(double[] v) {
    double mean = 0;
    for (double a : v) {
      mean += a;
    }
    mean /= v.length;
    double ss = 0;
    for (double a : v) {
      ss += (a - mean) * (a - mean);
    }
    return ss / (v.length - 1);
  }

  private static void checkWidth(double width) {
    if (!(width > 0 && Double.isFinite(width))) {
      throw new IllegalArgumentException("kernel width must be positive and finite, got " + width);
    }
  }
}
