package dev.dpm.client;

/** A request (after its retries) or an {@code await} ran out of time. */
public class DpmTimeoutException extends DpmException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what timed out
   * @param cause the cause, or null
   */
  public DpmTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
