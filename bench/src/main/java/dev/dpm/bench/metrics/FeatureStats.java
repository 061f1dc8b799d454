package dev.dpm.bench.metrics;

import java.util.SplittableRandom;

/**
 * The mean and covariance of a set of feature vectors, the sufficient statistics of the Fréchet
 * distance. The covariance is the unbiased sample covariance (divisor n − 1), as numpy's
 * {@code np.cov(rowvar=False)} used by pytorch-fid.
 *
 * @param mean μ, [dim]
 * @param cov Σ, [dim][dim], symmetric
 * @param n the number of vectors the statistics were taken over
 */
public record FeatureStats(double[] mean, double[][] cov, int n) {

  /** Validates the shapes. */
  public FeatureStats {
    int dim = mean.length;
    if (dim == 0 || cov.length != dim) {
      throw new IllegalArgumentException("mean has " + dim + " entries but cov has " + cov.length + " rows");
    }
    for (double[] row : cov) {
      if (row.length != dim) {
        throw new IllegalArgumentException("cov must be square, [" + dim + "][" + dim + "]");
      }
    }
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1");
    }
  }

  /** @return the feature dimension */
  public int dimension() {
    return mean.length;
  }

  /**
   * Statistics of the rows of a row-major matrix.
   *
   * @param features [n, dim] row-major
   * @param n number of rows, ≥ 2
   * @param dim features per row
   * @return mean and unbiased covariance
   */
  public static FeatureStats of(float[] features, int n, int dim) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    return of(features, dim, all);
  }

  /**
   * Statistics of rows given as arrays.
   *
   * @param rows [n][dim]
   * @return mean and unbiased covariance
   */
  public static FeatureStats of(float[][] rows) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("no rows");
    }
    int dim = rows[0].length;
    float[] flat = new float[rows.length * dim];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != dim) {
        throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + dim);
      }
      System.arraycopy(rows[i], 0, flat, i * dim, dim);
    }
    return of(flat, rows.length, dim);
  }

  /**
   * Statistics of a selection of rows (repeats allowed, as in a bootstrap resample).
   *
   * @param features [N, dim] row-major
   * @param dim features per row
   * @param rows indices of the rows to use, at least 2
   * @return mean and unbiased covariance over the selection
   */
  public static FeatureStats of(float[] features, int dim, int[] rows) {
    int n = rows.length;
    if (n < 2) {
      throw new IllegalArgumentException("a covariance needs at least 2 rows, got " + n);
    }
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be >= 1");
    }
    double[] mean = new double[dim];
    for (int r : rows) {
      int off = r * dim;
      for (int j = 0; j < dim; j++) {
        mean[j] += features[off + j];
      }
    }
    for (int j = 0; j < dim; j++) {
      mean[j] /= n;
    }
    // two-pass: Σ = Σ_r (f_r − μ)(f_r − μ)ᵀ / (n − 1), upper triangle then mirrored
    double[][] cov = new double[dim][dim];
    double[] c = new double[dim];
    for (int r : rows) {
      int off = r * dim;
      for (int j = 0; j < dim; j++) {
        c[j] = features[off + j] - mean[j];
      }
      for (int a = 0; a < dim; a++) {
        double ca = c[a];
        double[] row = cov[a];
        for (int b = a; b < dim; b++) {
          row[b] += ca * c[b];
        }
      }
    }
    for (int a = 0; a < dim; a++) {
      for (int b = a; b < dim; b++) {
        cov[a][b] /= n - 1;
        cov[b][a] = cov[a][b];
      }
    }
    return new FeatureStats(mean, cov, n);
  }

  /**
   * A bootstrap resample of row indices (n draws with replacement from 0..n−1).
   *
   * @param n rows
   * @param rng random source
   * @return the indices
   */
  static int[] resample(int n, SplittableRandom rng) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = rng.nextInt(n);
    }
    return idx;
  }
}
