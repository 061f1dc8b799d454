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

  /**
   * The features of many images, evaluated {@code batch} at a time.
   *
   * @param x images in the model's data range, [n][d]
   * @param batch images per evaluation
   * @return features, [n, featureDim] row-major
   */
  default float[] features(float[][] x, int batch) {
    int fd = featureDim();
    int d = x.length == 0 ? 0 : x[0].length;
    float[] out = new float[x.length * fd];
    for (int start = 0; start < x.length; start += batch) {
      int b = Math.min(batch, x.length - start);
      float[] in = new float[b * d];
      for (int i = 0; i < b; i++) {
        System.arraycopy(x[start + i], 0, in, i * d, d);
      }
      System.arraycopy(features(in, b), 0, out, start * fd, b * fd);
    }
    return out;
  }

  /** @return a short description for the report (name and hash) */
  String describe();

  @Override
  void close();
}
