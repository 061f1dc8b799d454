package dev.dpm.runtime.model;

/**
 * The dtype of the time tensor a TorchScript network takes (manifest {@code timeDType}). Networks
 * that look time up in a table ({@code nn.Embedding}, {@code table[t]}) need int64; sinusoidal
 * embeddings usually take float32.
 */
public enum TimeDType {
  /** float32 [B] (the default). */
  FLOAT32("float32"),
  /**
   * int64 [B]: the network time rounded to the nearest integer (half-even). Discrete samplers always
   * ask at integer steps; continuous samplers (sde-*, ode-*) ask between steps and then see the
   * nearest step.
   */
  INT64("int64");

  private final String wire;

  TimeDType(String wire) {
    this.wire = wire;
  }

  /** @return the manifest spelling */
  public String wire() {
    return wire;
  }

  /**
   * @param s manifest spelling (also {@code float}, {@code long}, {@code int})
   * @return the dtype
   * @throws IllegalArgumentException naming the allowed values
   */
  public static TimeDType parse(String s) {
    return switch (s) {
      case "float32", "float" -> FLOAT32;
      case "int64", "long", "int" -> INT64;
      default -> throw new IllegalArgumentException("timeDType '" + s + "' is not one of float32, int64");
    };
  }
}
