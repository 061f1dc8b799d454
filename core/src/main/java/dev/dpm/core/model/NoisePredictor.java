package dev.dpm.core.model;

import java.util.Set;

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

  /**
   * @return the second heads this predictor evaluates besides ε (SN-DPM's {@code eps2}, NPR-DPM's
   *     {@code epsc}); none by default
   */
  default Set<SecondHead> secondHeads() {
    return Set.of();
  }

  /**
   * Predicts ε and the asked-for second heads for a batch in one evaluation. The default serves
   * ε only and refuses any head; predictors with heads override it (and {@link #secondHeads()}).
   * With no heads asked for it must give the very ε of {@link #predictEps}.
   *
   * @param x inputs x_t, row-major [batch, d]
   * @param time per-row step index n ∈ [0, N], [batch]
   * @param batch number of rows
   * @param heads the heads wanted, a subset of {@link #secondHeads()}
   * @return ε and each wanted head, [batch, d] each, fresh arrays owned by the caller
   * @throws UnsupportedOperationException if a head is not one of {@link #secondHeads()}
   */
  default Prediction predict(float[] x, double[] time, int batch, Set<SecondHead> heads) {
    if (!secondHeads().containsAll(heads)) {
      throw new UnsupportedOperationException("the predictor has heads " + secondHeads() + ", asked for " + heads);
    }
    if (!heads.isEmpty()) {
      throw new UnsupportedOperationException("the predictor declares heads but does not implement predict");
    }
    return new Prediction(predictEps(x, time, batch), java.util.Map.of());
  }

  /** @return d, the number of coordinates of one sample (product of the sample shape) */
  int dimension();

  /** Releases native resources. */
  @Override
  void close();
}
