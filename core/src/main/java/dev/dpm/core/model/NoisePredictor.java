package dev.dpm.core.model;

/**
 * ε = f(x, t) on a batch: the one place a network (or an exact oracle) is evaluated. Samplers
 * never call it; the driver or the server's BatchEngine does.
 *
 * <p>Rows are independent: the output of a row never depends on the other rows of the batch.
 */
public interface NoisePredictor extends AutoCloseable {
  /**
   * Predicts ε for a batch.
   *
   * @param x inputs x_t, row-major [batch, d] with d = {@link #dimension()}
   * @param time per-row step index n ∈ [0, N] (real-valued for continuous samplers), [batch]
   * @param batch number of rows
   * @return ε, [batch, d], a fresh array owned by the caller
   */
  float[] predictEps(float[] x, double[] time, int batch);

  /** @return d, the number of coordinates of one sample (product of the sample shape) */
  int dimension();

  /** Releases native resources. */
  @Override
  void close();
}
