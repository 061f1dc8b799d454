package dev.dpm.client;

/**
 * The root of the SDK's exceptions; all are unchecked.
 *
 * <pre>
 * DpmException
 * ├── DpmServiceException        the server answered with an error status (carries the Problem)
 * │   ├── ValidationException    400/413/415/422: bad input, with the offending fields
 * │   ├── NotFoundException      404: no such job or model
 * │   ├── ConflictException      409: e.g. the result of an unfinished job, cancel of a finished one
 * │   ├── RateLimitedException   429: the queue is full (Retry-After)
 * │   └── ServerException        5xx
 * ├── DpmTimeoutException        a request or an await ran out of time
 * ├── DpmIoException             the connection failed, or a body could not be read
 * └── JobFailedException         sample(...) on a job that failed or was canceled
 * </pre>
 */
public class DpmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what went wrong
   * @param cause the cause, or null
   */
  public DpmException(String message, Throwable cause) {
    super(message, cause);
  }

  /** @param message what went wrong */
  public DpmException(String message) {
    super(message);
  }
}
