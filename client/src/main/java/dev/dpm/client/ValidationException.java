package dev.dpm.client;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * 400, 413, 415 or 422: the request is invalid; {@link #errors()} names each offending field the
 * way the request spells it ({@code n}, {@code sampler.steps}, {@code Idempotency-Key}, ...).
 */
public class ValidationException extends DpmServiceException {
  private static final long serialVersionUID = 1L;

  /**
   * @param status the HTTP status
   * @param problem the problem body
   * @param retryAfter the Retry-After the server asked for, or null
   */
  public ValidationException(int status, Problem problem, Duration retryAfter) {
    super(status, problem, retryAfter);
  }

  /** @return the offending fields (empty when the server named none) */
  public List<Problem.FieldError> errors() {
    return problem().errors();
  }

  /**
   * @param field a field, e.g. {@code sampler.steps}
   * @return the first error about it
   */
  public Optional<Problem.FieldError> error(String field) {
    return problem().error(field);
  }
}
