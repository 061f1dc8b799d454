package dev.dpm.bench.metrics;

import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The Fréchet (2-Wasserstein) distance between the Gaussians fitted to two feature sets, the
 * statistic behind FID (Heusel et al. 2017, eq. 6):
 *
 * <pre>
 *   FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}
 * </pre>
 *
 * The trace term equals tr (Σ₁Σ₂)^{1/2} (the eigenvalues of Σ₁Σ₂ and Σ₁^{1/2}Σ₂Σ₁^{1/2} agree), but
 * is computed only through symmetric eigendecompositions (commons-math3): Σ₁^{1/2} = V diag(√λ) Vᵀ,
 * then the eigenvalues μ_i of the symmetric PSD matrix Σ₁^{1/2}Σ₂Σ₁^{1/2} give Σ √μ_i. Eigenvalues
 * that rounding makes slightly negative are taken as 0, so no complex parts appear (unlike
 * {@code scipy.linalg.sqrtm} in pytorch-fid). Results are in squared feature units.
 *
 * <p>With n samples the plug-in FD is biased upwards (roughly by tr-terms of order dim/n), so FDs
 * are only comparable at equal sample counts; {@link #bootstrapStdError} gives the sampling spread
 * of one side.
 */
public final class FrechetDistance {
  private FrechetDistance() {}

  /**
   * The Fréchet distance between two fitted Gaussians.
   *
   * @param a statistics of the first set
   * @param b statistics of the second set
   * @return FD ≥ 0 (up to rounding; clamped at 0)
   */
  public static double distance(FeatureStats a, FeatureStats b) {
    return distance(a.mean(), a.cov(), b.mean(), b.cov());
  }

  /**
   * The Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).
   *
   * @param mu1 μ₁, [dim]
   * @param sigma1 Σ₁, [dim][dim] symmetric PSD
   * @param mu2 μ₂, [dim]
   * @param sigma2 Σ₂, [dim][dim] symmetric PSD
   * @return FD ≥ 0 (clamped at 0 against rounding)
   */
  public static double distance(double[] mu1, double[][] sigma1, double[] mu2, double[][] sigma2) {
    int dim = mu1.length;
    if (mu2.length != dim || sigma1.length != dim || sigma2.length != dim) {
      throw new IllegalArgumentException("dimensions differ: " + dim + ", " + mu2.length + ", "
          + sigma1.length + ", " + sigma2.length);
    }
    double meanTerm = 0;
    for (int j = 0; j < dim; j++) {
      double diff = mu1[j] - mu2[j];
      meanTerm += diff * diff;
    }
    double tr1 = 0;
    double tr2 = 0;
    for (int j = 0; j < dim; j++) {
      tr1 += sigma1[j][j];
      tr2 += sigma2[j][j];
    }
    double fd = meanTerm + tr1 + tr2 - 2.0 * traceSqrtProduct(sigma1, sigma2);
    return Math.max(0.0, fd);
  }

  /**
   * tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2} = tr (Σ₁Σ₂)^{1/2} by two symmetric eigendecompositions.
   *
   * @param sigma1 Σ₁, symmetric PSD
   * @param sigma2 Σ₂, symmetric PSD
   * @return the trace (≥ 0)
   */
  public static double traceSqrtProduct(double[][] sigma1, double[][] sigma2) {
    RealMatrix root1 = sqrtPsd(symmetric(sigma1));
    RealMatrix m = root1.multiply(symmetric(sigma2)).multiply(root1); // Σ₁^{1/2} Σ₂ Σ₁^{1/2}
    double[] ev = new EigenDecomposition(symmetric(m.getData())).getRealEigenvalues();
    double tr = 0;
    for (double v : ev) {
      tr += Math.sqrt(Math.max(0.0, v));
    }
    return tr;
  }

  /**
   * The bootstrap standard error of FD(features, reference) over resamples of the feature rows
   * (the reference statistics held fixed): the sample standard deviation of the FD over
   * {@code reps} resamples with replacement.
   *
   * @param features [n, dim] row-major
   * @param n rows
   * @param dim features per row
   * @param reference the fixed statistics
   * @param reps resamples, ≥ 2
   * @param seed random seed of the resampling
   * @return the standard error
   */
  public static double bootstrapStdError(float[] features, int n, int dim, FeatureStats reference,
      int reps, long seed) {
    if (reps < 2) {
      throw new IllegalArgumentException("a bootstrap needs at least 2 resamples, got " + reps);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double sum = 0;
    double sumSq = 0;
    for (int r = 0; r < reps; r++) {
      double fd = distance(FeatureStats.of(features, dim, FeatureStats.resample(n, rng)), reference);
      sum += fd;
      sumSq += fd * fd;
    }
    double mean = sum / reps;
    return Math.sqrt(Math.max(0.0, (sumSq - reps * mean * mean) / (reps - 1)));
  }

  /** (A + Aᵀ)/2 as a commons-math matrix: exactly symmetric, so the symmetric solver is used. */
  private static RealMatrix symmetric(double[][] a) {
    int dim = a.length;
    double[][] s = new double[dim][dim];
    for (int i = 0; i < dim; i++) {
      if (a[i].length != dim) {
        throw new IllegalArgumentException("matrix must be square");
      }
      for (int j = 0; j < dim; j++) {
        s[i][j] = 0.5 * (a[i][j] + a[j][i]);
      }
    }
    return new Array2DRowRealMatrix(s, false);
  }

  /** V diag(√max(λ, 0)) Vᵀ of a symmetric matrix. */
  private static RealMatrix sqrtPsd(RealMatrix a) {
    EigenDecomposition e = new EigenDecomposition(a);
    double[][] v = e.getV().getData(); // columns are eigenvectors
    double[] ev = e.getRealEigenvalues();
    int dim = ev.length;
    double[][] out = new double[dim][dim];
    for (int k = 0; k < dim; k++) {
      double r = Math.sqrt(Math.max(0.0, ev[k]));
      if (r == 0.0) {
        continue;
      }
      for (int i = 0; i < dim; i++) {
        double vik = v[i][k] * r;
        for (int j = 0; j < dim; j++) {
          out[i][j] += vik * v[j][k];
        }
      }
    }
    return new Array2DRowRealMatrix(out, false);
  }
}
