package dev.dpm.client;

import java.time.Duration;

/**
 * 409: the request conflicts with the resource's state (the result of a job that has not
 * succeeded, canceling a finished job, an Idempotency-Key reused with another body).
 */
public class ConflictException extends DpmServiceException {
  private static final long serialVersionUID = 1L;

  /**
   * @param status the HTTP status
   * @param problem the problem body
   * @param retryAfter the Retry-After the server asked for, or null
   */
  public ConflictException(int status, Problem problem, Duration retryAfter) {
    super(status, problem, retryAfter);
  }
}
