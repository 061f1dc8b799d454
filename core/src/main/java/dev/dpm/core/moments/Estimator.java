package dev.dpm.core.moments;

/** How a Γ vector was obtained; the wire names appear in {@code gamma.json}. */
public enum Estimator {
  /** The Monte-Carlo average over data of the official code (reference §4.1). */
  MONTE_CARLO("monte-carlo"),
  /**
   * The Monte-Carlo average with ‖ε‖²/d of the noise that made x_n as a control variate
   * ({@link Moments.Options#controlVariate()}).
   */
  MONTE_CARLO_CONTROL_VARIATE("monte-carlo-control-variate"),
  /** An exact closed form (e.g. the isotropic-Gaussian oracle). */
  CLOSED_FORM("closed-form");

  private final String wireName;

  Estimator(String wireName) {
    this.wireName = wireName;
  }

  /** @return the name used in files */
  public String wireName() {
    return wireName;
  }

  /**
   * @param name a wire name
   * @return the estimator
   * @throws IllegalArgumentException for an unknown name
   */
  public static Estimator parse(String name) {
    for (Estimator e : values()) {
      if (e.wireName.equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown estimator '" + name + "' (monte-carlo, monte-carlo-control-variate, closed-form)");
  }
}
