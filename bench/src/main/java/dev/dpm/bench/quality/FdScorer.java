package dev.dpm.bench.quality;

import dev.dpm.bench.metrics.FeatureStats;
import dev.dpm.bench.metrics.FrechetDistance;
import dev.dpm.core.model.DataRange;

/**
 * FD of generated images against reference statistics, with a bootstrap standard error: the samples are rounded
 * to 8-bit levels (as saving them would), mapped by the feature network in batches, and compared with the reference
 * (the test set's features). Used by the extended-family and the NFE tables.
 */
public final class FdScorer {
  private final FeatureExtractor features;
  private final FeatureStats reference;
  private final int batch;
  private final int bootstrap;
  private final DataRange range;

  /**
   * @param features the feature network
   * @param referenceRows the reference images (e.g. the test set), [n][d]
   * @param range the data range (for the 8-bit rounding)
   * @param batch rows per feature evaluation
   * @param bootstrap bootstrap resamples of the standard error
   */
  public FdScorer(FeatureExtractor features, float[][] referenceRows, DataRange range, int batch, int bootstrap) {
    this.features = features;
    this.batch = batch;
    this.bootstrap = bootstrap;
    this.range = range;
    this.reference = FeatureStats.of(features.features(referenceRows, batch), referenceRows.length, features.featureDim());
  }

  /**
   * @param x samples, [n][d]; rounded to 8-bit levels in place
   * @param seed the bootstrap's seed
   * @return {FD, its bootstrap standard error}
   */
  public double[] score(float[][] x, long seed) {
    quantise(x, range);
    float[] f = features.features(x, batch);
    FeatureStats st = FeatureStats.of(f, x.length, features.featureDim());
    return new double[] {FrechetDistance.distance(st, reference),
        FrechetDistance.bootstrapStdError(f, x.length, features.featureDim(), reference, bootstrap, seed)};
  }

  /**
   * Rounds samples to the 256 levels of the data range, as saving them as 8-bit images would.
   *
   * @param x samples, rounded in place
   * @param range the data range
   */
  public static void quantise(float[][] x, DataRange range) {
    double lo = range.low();
    double w = range.high() - range.low();
    for (float[] row : x) {
      for (int j = 0; j < row.length; j++) {
        double u = Math.rint((range.clamp(row[j]) - lo) / w * 255.0);
        row[j] = (float) (lo + w * u / 255.0);
      }
    }
  }
}
