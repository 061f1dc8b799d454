package dev.dpm.core.model;

import java.util.Arrays;

/**
 * A class-conditional ε predictor ε = f(x, t, y): the label y of each row is a class in
 * [0, {@link #classCount()}) or the {@link #nullLabel()} (the unconditional prediction ε(x, ∅) of a
 * network trained with label dropout). Rows stay independent, labels included.
 */
public interface ConditionalPredictor extends NoisePredictor {
  /**
   * Predicts ε for a batch of labelled rows.
   *
   * @param x inputs x_t, [batch, d]
   * @param time per-row step index n ∈ [0, N], [batch]
   * @param labels per-row class label or {@link #nullLabel()}, [batch]
   * @param batch rows
   * @return ε, [batch, d], a fresh array owned by the caller
   */
  float[] predictEps(float[] x, double[] time, long[] labels, int batch);

  /** @return the number of classes; labels 0..classCount−1 */
  int classCount();

  /** @return the label that asks for the unconditional prediction */
  long nullLabel();

  /** The unconditional prediction: every row with the {@link #nullLabel()}. */
  @Override
  default float[] predictEps(float[] x, double[] time, int batch) {
    long[] labels = new long[batch];
    Arrays.fill(labels, nullLabel());
    return predictEps(x, time, labels, batch);
  }
}
