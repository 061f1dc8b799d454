package dev.dpm.core.model;

/**
 * What the network outputs. Every non-ε output is converted to ε in one place, {@link #toEps}.
 */
public enum PredictionType {
  /** ε, the noise (DDPM). */
  EPS("eps"),
  /** x̂₀, the clean sample (diffusers {@code sample}). */
  X0("x0"),
  /** v = √ᾱ ε − √β̄ x₀ (Salimans &amp; Ho 2022). */
  V("v");

  private final String wire;

  PredictionType(String wire) {
    this.wire = wire;
  }

  /** @return the manifest spelling */
  public String wire() {
    return wire;
  }

  /**
   * Parses the manifest spelling (also accepts diffusers' {@code epsilon}, {@code sample},
   * {@code v_prediction}).
   *
   * @param s the text
   * @return the type
   * @throws IllegalArgumentException if unknown
   */
  public static PredictionType parse(String s) {
    return switch (s) {
      case "eps", "epsilon" -> EPS;
      case "x0", "sample" -> X0;
      case "v", "v_prediction" -> V;
      default -> throw new IllegalArgumentException("unknown prediction type '" + s + "' (eps, x0, v)");
    };
  }

  /**
   * Converts one row of network output to ε in place, with x_t = √ᾱ x₀ + √β̄ ε.
   * x0: ε = (x − √ᾱ x̂₀)/√β̄; v: ε = √ᾱ v + √β̄ x.
   *
   * @param out network output for one row, [d]; overwritten with ε
   * @param x the input row x_t, [d]
   * @param alphaBar ᾱ at the row's time
   */
  public void toEps(float[] out, int offset, float[] x, int d, double alphaBar) {
    double sa = Math.sqrt(alphaBar);
    double sb = Math.sqrt(1.0 - alphaBar);
    switch (this) {
      case EPS -> { }
      case X0 -> {
        for (int i = offset; i < offset + d; i++) {
          out[i] = (float) ((x[i] - sa * out[i]) / sb);
        }
      }
      case V -> {
        for (int i = offset; i < offset + d; i++) {
          out[i] = (float) (sa * out[i] + sb * x[i]);
        }
      }
    }
  }
}
