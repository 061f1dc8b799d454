package dev.dpm.server.jobs;

import java.util.Locale;

/** A job's lifecycle: queued → running → succeeded | failed | canceled. */
public enum JobStatus {
  /** Waiting for an engine slot. */
  QUEUED,
  /** Its samples are being generated. */
  RUNNING,
  /** Finished; results are available. */
  SUCCEEDED,
  /** Stopped by an error (non-finite model output, deadline, internal error). */
  FAILED,
  /** Stopped by a cancel request. */
  CANCELED;

  /** @return the wire spelling (lower case) */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @return true for succeeded, failed and canceled */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELED;
  }

  /**
   * @param s wire spelling
   * @return the status
   * @throws IllegalArgumentException if unknown
   */
  public static JobStatus parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
