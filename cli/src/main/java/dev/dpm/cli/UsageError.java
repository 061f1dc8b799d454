package dev.dpm.cli;

/**
 * A bad argument found after parsing (unknown model, invalid sampler settings, unreadable data).
 * The command line prints its message as one line on stderr and exits with code 2.
 */
public final class UsageError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message one line naming the problem
   */
  public UsageError(String message) {
    super(message);
  }

  /**
   * @param message one line naming the problem
   * @param cause the underlying exception
   */
  public UsageError(String message, Throwable cause) {
    super(message, cause);
  }
}
