package dev.dpm.server.api;

import dev.dpm.core.sampler.Problem;
import dev.dpm.server.jobs.Rejection;
import java.util.List;
import java.util.Map;

/** The job service's {@link Rejection}s as HTTP problems (the one place they meet HTTP). */
final class Rejections {
  private Rejections() {}

  /**
   * @param r a rejection
   * @return its problem (status, type, detail, headers)
   */
  static ProblemException toProblem(Rejection r) {
    if (r instanceof Rejection.Invalid i) {
      return ProblemException.invalid(i.problems());
    } else if (r instanceof Rejection.NotFound nf) {
      return ProblemException.notFound(nf.what());
    } else if (r instanceof Rejection.Conflict c) {
      return ProblemException.conflict(c.detail());
    } else if (r instanceof Rejection.KeyReused k) {
      return new ProblemException(409, "idempotency-key-reused", "Conflict",
          "Idempotency-Key '" + k.key() + "' was used for a different request",
          List.of(new Problem("Idempotency-Key", "already used for a different request")), Map.of());
    } else if (r instanceof Rejection.QueueFull q) {
      return new ProblemException(429, q.tenant() ? "quota-exceeded" : "queue-full", "Too many requests",
          (q.tenant() ? "your tenant's quota is full (" : "the queue is full (") + q.jobs() + " jobs, " + q.work()
              + " rows of work); retry in "
              + q.retryAfterSeconds() + " s", List.of(), Map.of("Retry-After", Long.toString(q.retryAfterSeconds())));
    } else if (r instanceof Rejection.ShuttingDown) {
      return new ProblemException(503, "unavailable", "Shutting down", "the server is shutting down", List.of(),
          Map.of("Retry-After", "5"));
    }
    throw new IllegalStateException("unmapped rejection " + r); // Rejection is sealed: every kind is above
  }
}
