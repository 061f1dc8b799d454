package dev.dpm.server.jobs;

/** Carries a {@link Rejection} out of the jobs thread to the API edge (no stack trace is filled). */
public final class RejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Rejection rejection;

  /** @param rejection why */
  public RejectedException(Rejection rejection) {
    super(rejection.toString(), null, false, false);
    this.rejection = rejection;
  }

  /** @return why */
  public Rejection rejection() {
    return rejection;
  }
}
