package dev.dpm.core.model;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

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

  /**
   * Predicts ε and the asked-for second heads (SN-DPM's {@code eps2}, NPR-DPM's {@code epsc}) for a batch
   * of labelled rows in one evaluation: the heads of a conditional network estimate the moments given
   * the row's label (the null label: the unconditional ones). The default serves ε only and refuses
   * any head; conditional predictors with heads override it (and {@link #secondHeads()}). With no heads
   * asked for it must give the very ε of {@link #predictEps(float[], double[], long[], int)}.
   *
   * @param x inputs x_t, [batch, d]
   * @param time per-row step index, [batch]
   * @param labels per-row class label or {@link #nullLabel()}, [batch]
   * @param batch rows
   * @param heads the second heads wanted (a subset of {@link #secondHeads()})
   * @return ε and the heads, each [batch, d]
   * @throws UnsupportedOperationException if a head is asked for that the predictor lacks
   */
  default Prediction predict(float[] x, double[] time, long[] labels, int batch, Set<SecondHead> heads) {
    if (!heads.isEmpty()) {
      throw new UnsupportedOperationException("the predictor has heads " + secondHeads() + ", asked for " + heads);
    }
    return new Prediction(predictEps(x, time, labels, batch), Map.of());
  }

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
