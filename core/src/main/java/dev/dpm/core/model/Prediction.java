package dev.dpm.core.model;

import java.util.EnumMap;
import java.util.Map;

/**
 * A batch's network output: ε and the second heads that were asked for.
 *
 * @param eps ε, [batch, d], row-major
 * @param heads each requested head's output, [batch, d], row-major
 */
public record Prediction(float[] eps, Map<SecondHead, float[]> heads) {
  /** Copies the map (not the arrays). */
  public Prediction {
    heads = heads.isEmpty() ? Map.of() : new EnumMap<>(heads);
  }

  /**
   * @param head a head that was asked for
   * @return its output, [batch, d]
   * @throws IllegalStateException if the head was not evaluated
   */
  public float[] head(SecondHead head) {
    float[] h = heads.get(head);
    if (h == null) {
      throw new IllegalStateException("the prediction carries no " + head.wire() + " head");
    }
    return h;
  }
}
