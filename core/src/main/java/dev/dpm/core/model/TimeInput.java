package dev.dpm.core.model;

/**
 * How a network reads time (reference §1.4). Samplers always speak in step-index units n ∈ [0, N]
 * (real-valued for continuous samplers); this maps n to the network's time input.
 */
public enum TimeInput {
  /** net(x, n − 1): 0-indexed DDPM/iDDPM networks ({@code shift1=True}). */
  INDEX_MINUS_ONE("index-minus-one"),
  /** net(x, n): networks trained on the 1-indexed n. */
  INDEX("index"),
  /** net(x, (n − 1)·1000/N): iDDPM {@code rescale_timesteps}. */
  SCALED_1000("scaled-1000"),
  /** net(x, n/N): continuous-time networks, t ∈ (0, 1]. */
  CONTINUOUS("continuous");

  private final String wire;

  TimeInput(String wire) {
    this.wire = wire;
  }

  /** @return the manifest spelling */
  public String wire() {
    return wire;
  }

  /**
   * @param s manifest spelling
   * @return the convention
   * @throws IllegalArgumentException if unknown
   */
  public static TimeInput parse(String s) {
    for (TimeInput t : values()) {
      if (t.wire.equals(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown time input '" + s + "' (index-minus-one, index, scaled-1000, continuous)");
  }

  /**
   * @param n step index (real) in [0, N]
   * @param steps N
   * @return the value fed to the network
   */
  public double networkTime(double n, int steps) {
    return switch (this) {
      case INDEX_MINUS_ONE -> n - 1.0;
      case INDEX -> n;
      case SCALED_1000 -> (n - 1.0) * 1000.0 / steps;
      case CONTINUOUS -> n / steps;
    };
  }
}
