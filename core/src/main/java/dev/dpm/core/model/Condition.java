package dev.dpm.core.model;

/**
 * What one sample is conditioned on: a class label (or none: the unconditional prediction) and the
 * guidance applied to it (null: the plain conditional prediction).
 *
 * @param label the class, or null for an unconditional sample
 * @param guidance classifier-free guidance, or null; needs a label
 */
public record Condition(Integer label, Guidance guidance) {
  /** The unconditional sample. */
  public static final Condition NONE = new Condition(null, null);

  /** Validates that guidance has a label to guide towards. */
  public Condition {
    if (label == null && guidance != null) {
      throw new IllegalArgumentException("guidance needs a class label");
    }
    if (label != null && label < 0) {
      throw new IllegalArgumentException("label must be >= 0, got " + label);
    }
  }

  /**
   * @param label the class
   * @return the plain conditional sample
   */
  public static Condition of(int label) {
    return new Condition(label, null);
  }

  /** @return true for {@link #NONE} */
  public boolean unconditional() {
    return label == null;
  }

  /**
   * @param n step index
   * @return the guidance scale at n: 1 without guidance; the caller checks {@link #unconditional()}
   */
  public double scaleAt(double n) {
    return guidance == null ? 1.0 : guidance.scaleAt(n);
  }

  /**
   * @param n step index
   * @return network rows the sample needs at n: 2 (conditional and unconditional) while guided
   *     with w ∉ {0, 1}, else 1
   */
  public int rowsAt(double n) {
    if (label == null) {
      return 1;
    }
    double w = scaleAt(n);
    return w == 0.0 || w == 1.0 ? 1 : 2;
  }
}
