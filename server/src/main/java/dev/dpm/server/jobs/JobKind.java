package dev.dpm.server.jobs;

import java.util.Locale;

/** What a job computes. */
public enum JobKind {
  /** Samples from a model with a sampler. */
  SAMPLE,
  /** A Monte Carlo estimate of the model's Γ moments. */
  CALIBRATION;

  /** @return the wire spelling */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param s wire spelling
   * @return the kind
   */
  public static JobKind parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
