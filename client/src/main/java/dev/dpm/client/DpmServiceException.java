package dev.dpm.client;

import java.time.Duration;
import java.util.Optional;

/**
 * The server answered with an error status. Subclasses name the statuses callers act on; other
 * statuses (401, 403, ...) arrive as this class.
 */
public class DpmServiceException extends DpmException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final transient Problem problem;
  private final Duration retryAfter;

  /**
   * @param status the HTTP status
   * @param problem the problem body (a synthetic one when the server sent none)
   * @param retryAfter the Retry-After the server asked for, or null
   */
  public DpmServiceException(int status, Problem problem, Duration retryAfter) {
    super(message(status, problem));
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  private static String message(int status, Problem p) {
    StringBuilder s = new StringBuilder().append(status);
    if (p != null && p.title() != null) {
      s.append(' ').append(p.title());
    }
    if (p != null && p.detail() != null && !p.detail().equals(p.title())) {
      s.append(": ").append(p.detail());
    } else if (p != null && !p.errors().isEmpty()) {
      s.append(": ");
      p.errors().forEach(e -> s.append(e.field()).append(": ").append(e.message()).append("; "));
      s.setLength(s.length() - 2);
    }
    return s.toString();
  }

  /** @return the HTTP status */
  public int status() {
    return status;
  }

  /** @return the problem body (synthetic when the server sent none) */
  public Problem problem() {
    return problem;
  }

  /** @return how long the server asked the client to wait before retrying, if it said */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
