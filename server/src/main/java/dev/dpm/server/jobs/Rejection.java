package dev.dpm.server.jobs;

import dev.dpm.core.sampler.Problem;
import java.util.List;

/**
 * Why the job service refused a request: a closed set, mapped to HTTP only in the API package
 * ({@code api.Rejections}, an exhaustive switch).
 */
public sealed interface Rejection {
  /** @param problems the fields at fault (400) */
  record Invalid(List<Problem> problems) implements Rejection {
    /** Defensive copy. */
    public Invalid {
      problems = List.copyOf(problems);
    }

    /**
     * @param field the field
     * @param message what is wrong
     * @return one problem
     */
    public static Invalid of(String field, String message) {
      return new Invalid(List.of(new Problem(field, message)));
    }
  }

  /** @param what the missing thing, e.g. {@code job 'j_…'} (404) */
  record NotFound(String what) implements Rejection {}

  /** @param detail the state that forbids the request (409) */
  record Conflict(String detail) implements Rejection {}

  /** @param key an Idempotency-Key already used for a different request (409) */
  record KeyReused(String key) implements Rejection {}

  /**
   * The queue is full now; the request fits once it drains (429).
   *
   * @param jobs jobs queued or running
   * @param work their rows of work
   * @param retryAfterSeconds the estimated wait
   * @param tenant true when the submitting tenant's own quota is full (not the server's queue)
   */
  record QueueFull(int jobs, long work, long retryAfterSeconds, boolean tenant) implements Rejection {}

  /** The server is shutting down (503). */
  record ShuttingDown() implements Rejection {}

  /** @return this rejection as an exception (for the jobs thread's control flow) */
  default RejectedException toException() {
    return new RejectedException(this);
  }
}
