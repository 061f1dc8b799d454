package dev.dpm.client;

import java.time.Duration;

/** 404: no such job or model. */
public class NotFoundException extends DpmServiceException {
  private static final long serialVersionUID = 1L;

  /**
   * @param status the HTTP status
   * @param problem the problem body
   * @param retryAfter the Retry-After the server asked for, or null
   */
  public NotFoundException(int status, Problem problem, Duration retryAfter) {
    super(status, problem, retryAfter);
  }
}
