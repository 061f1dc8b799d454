package dev.dpm.client;

/** The connection failed (after retries), or a response body could not be read. */
public class DpmIoException extends DpmException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed
   * @param cause the cause, or null
   */
  public DpmIoException(String message, Throwable cause) {
    super(message, cause);
  }
}
