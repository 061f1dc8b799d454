package dev.dpm.core.model;

/**
 * The range of the data, per coordinate. Bounded data ([a, b], e.g. [−1, 1] for images) clamp x̂₀
 * and use the Theorem-2 upper clip ((b − a)/2)² on the x₀ variance; unbounded data do neither.
 *
 * @param low a (−∞ if unbounded)
 * @param high b (+∞ if unbounded)
 */
public record DataRange(double low, double high) {
  /** Unbounded data (the Gaussian oracles). */
  public static final DataRange UNBOUNDED =
      new DataRange(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
  /** Images scaled to [−1, 1]. */
  public static final DataRange SYMMETRIC_UNIT = new DataRange(-1.0, 1.0);

  /** Validates low &lt; high. */
  public DataRange {
    if (!(low < high)) {
      throw new IllegalArgumentException("data range needs low < high, got [" + low + ", " + high + "]");
    }
  }

  /** @return true when both ends are finite */
  public boolean bounded() {
    return Double.isFinite(low) && Double.isFinite(high);
  }

  /** @return ((b − a)/2)², the Theorem-2 bound on the per-coordinate x₀ variance (∞ if unbounded) */
  public double maxVariance() {
    double h = (high - low) / 2.0;
    return bounded() ? h * h : Double.POSITIVE_INFINITY;
  }

  /**
   * @param v a value
   * @return v clamped to [low, high]
   */
  public double clamp(double v) {
    return v < low ? low : (v > high ? high : v);
  }
}
