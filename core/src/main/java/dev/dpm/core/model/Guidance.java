package dev.dpm.core.model;

/**
 * Classifier-free guidance in the diffusers convention, ε̃ = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅)):
 * w = 1 is the plain conditional prediction, w = 0 the unconditional one. Optionally applied only
 * for step indices n in [from, to] (Kynkäänniemi et al. 2024, "Applying guidance in a limited
 * interval"); outside it the prediction is the plain conditional one (w = 1).
 *
 * @param w the guidance scale, finite and ≥ 0
 * @param from lowest step index n at which w applies (0 for all)
 * @param to highest step index n at which w applies (+∞ for all)
 */
public record Guidance(double w, double from, double to) {
  /** Validates the scale and the interval. */
  public Guidance {
    if (!(w >= 0) || !Double.isFinite(w)) {
      throw new IllegalArgumentException("guidance must be a finite number >= 0, got " + w);
    }
    if (!(from >= 0) || !(to >= from)) {
      throw new IllegalArgumentException("guidance interval must satisfy 0 <= from <= to, got [" + from + ", " + to + "]");
    }
  }

  /**
   * @param w the scale
   * @return guidance at every step
   */
  public static Guidance of(double w) {
    return new Guidance(w, 0.0, Double.POSITIVE_INFINITY);
  }

  /**
   * @param n step index
   * @return the scale in effect at n: w inside the interval, 1 outside
   */
  public double scaleAt(double n) {
    return n >= from && n <= to ? w : 1.0;
  }
}
