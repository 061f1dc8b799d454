package dev.dpm.client;

import java.time.Duration;

/** 5xx: the server failed (503: shutting down, with Retry-After). */
public class ServerException extends DpmServiceException {
  private static final long serialVersionUID = 1L;

  /**
   * @param status the HTTP status
   * @param problem the problem body
   * @param retryAfter the Retry-After the server asked for, or null
   */
  public ServerException(int status, Problem problem, Duration retryAfter) {
    super(status, problem, retryAfter);
  }
}
