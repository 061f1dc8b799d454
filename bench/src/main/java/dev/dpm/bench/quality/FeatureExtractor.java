package dev.dpm.bench.quality;

/** Maps images to feature vectors for the Fréchet distance (the Fashion-MNIST stand-in for Inception). */
public interface FeatureExtractor extends AutoCloseable {
  /** @return features per image */
  int featureDim();

  /**
   * @param x images in the model's data range, [batch, d] row-major
   * @param batch number of images
   * @return features, [batch, featureDim] row-major
   */
  float[] features(float[] x, int batch);

  /** @return a short description for the report (name and hash) */
  String describe();

  @Override
  void close();
}
