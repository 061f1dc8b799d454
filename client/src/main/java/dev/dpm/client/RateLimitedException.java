package dev.dpm.client;

import java.time.Duration;

/**
 * 429: the server's queue is full; retry after {@link #retryAfter()}. The client retries by itself
 * first, within its {@link RetryPolicy}.
 */
public class RateLimitedException extends DpmServiceException {
  private static final long serialVersionUID = 1L;

  /**
   * @param status the HTTP status
   * @param problem the problem body
   * @param retryAfter the Retry-After the server asked for, or null
   */
  public RateLimitedException(int status, Problem problem, Duration retryAfter) {
    super(status, problem, retryAfter);
  }
}
