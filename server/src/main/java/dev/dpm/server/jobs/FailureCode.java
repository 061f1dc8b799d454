package dev.dpm.server.jobs;

/** The codes of a failed or canceled job's {@code error.code} that the job service itself assigns. */
public enum FailureCode {
  /** The server could not run the job (store, result files, a changed model). */
  INTERNAL("internal"),
  /** The deadline passed. */
  DEADLINE_EXCEEDED("deadline-exceeded"),
  /** Canceled by request. */
  CANCELED("canceled"),
  /** The job's model was unloaded before the job started. */
  MODEL_UNLOADED("model-unloaded"),
  /** The job's model was reloaded before the job started, and the job does not fit the new version. */
  MODEL_CHANGED("model-changed");

  private final String wire;

  FailureCode(String wire) {
    this.wire = wire;
  }

  /** @return the API spelling */
  public String wire() {
    return wire;
  }
}
