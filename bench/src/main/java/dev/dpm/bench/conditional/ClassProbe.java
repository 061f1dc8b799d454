package dev.dpm.bench.conditional;

/** Assigns samples to classes: the class-accuracy half of the conditional benchmark. */
public interface ClassProbe extends AutoCloseable {
  /** @return number of classes (labels 0..classes−1) */
  int classes();

  /**
   * @param x samples in the model's data range, [batch, d] row-major
   * @param batch number of samples
   * @return the predicted class of each sample, [batch]
   */
  int[] classify(float[] x, int batch);

  /** @return a short description for the report */
  String describe();

  @Override
  void close();
}
