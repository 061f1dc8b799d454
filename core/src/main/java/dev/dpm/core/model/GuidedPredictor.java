package dev.dpm.core.model;

import java.util.Arrays;

/**
 * The guided predictor ε̃_w(x, t | c) of one condition as a plain {@link NoisePredictor}: what the
 * samplers see for a guided sample, and what Γ is estimated of ({@code Moments} takes any
 * predictor). Each call makes one network call of the conditional and unconditional rows.
 */
public final class GuidedPredictor implements NoisePredictor {
  private final ConditionalPredictor model;
  private final Condition condition;

  /**
   * @param model the conditional network
   * @param condition the label and guidance of every row
   */
  public GuidedPredictor(ConditionalPredictor model, Condition condition) {
    this.model = model;
    this.condition = condition;
  }

  /** @return the condition of every row */
  public Condition condition() {
    return condition;
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    Condition[] c = new Condition[batch];
    Arrays.fill(c, condition);
    return GuidedBatch.evaluate(model, x, time, c, batch);
  }

  @Override
  public int dimension() {
    return model.dimension();
  }

  /** Leaves the wrapped network open (it is shared). */
  @Override
  public void close() {}
}
