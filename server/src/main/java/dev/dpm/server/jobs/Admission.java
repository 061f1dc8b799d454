package dev.dpm.server.jobs;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.engine.BatchEngine;
import java.util.Collection;
import java.util.Map;

/**
 * Admission control: a new job is refused with {@link Rejection.QueueFull} (429, with a Retry-After estimated from the
 * engines' measured rows per second) when the jobs queued and running, or their rows of work, would pass the
 * configured limits (the server's, then the submitting tenant's), and with {@link Rejection.Invalid} when the job alone
 * is larger than a work limit (it could never fit, so retrying is pointless). Work is the job's true cost:
 * {@link Cost#work} counts every network evaluation (corrector steps, two-evaluation steps, rk45's bound).
 */
final class Admission {
  private final ServerConfig config;
  private final Map<String, BatchEngine> engines;

  Admission(ServerConfig config, Map<String, BatchEngine> engines) {
    this.config = config;
    this.engines = engines;
  }

  /**
   * Throws the rejection if {@code work} more rows do not fit beside {@code live}.
   *
   * @param live jobs queued or running
   * @param work the new job's rows of work
   * @param field the request field that sizes the job ({@code n}, {@code samples})
   * @param tenant the submitting tenant, or null on a server without API keys
   */
  void admit(Collection<JobState> live, long work, String field, String tenant) {
    admit(QueueCounts.Counts.of(live, tenant), work, field, tenant);
  }

  /**
   * Throws the rejection if {@code work} more rows do not fit beside the jobs counted (a node's live jobs, or a
   * cluster's from the shared store, see {@link QueueCounts}).
   *
   * @param live jobs queued or running, in all and of the tenant
   * @param work the new job's rows of work
   * @param field the request field that sizes the job ({@code n}, {@code samples})
   * @param tenant the submitting tenant, or null on a server without API keys
   */
  void admit(QueueCounts.Counts live, long work, String field, String tenant) {
    long tenantWorkLimit = Math.min(config.maxQueuedWork(), config.tenantMaxQueuedWork());
    long limit = tenant == null ? config.maxQueuedWork() : tenantWorkLimit;
    if (work > limit) {
      String which = limit == config.maxQueuedWork() ? "maxQueuedWork" : "tenantMaxQueuedWork";
      throw Rejection.Invalid.of(field, "this job is " + work + " rows of work (samples × network evaluations per "
          + "sample); this server queues at most " + limit + " (" + which + ") so it can never run: ask for fewer "
          + "samples or steps").toException();
    }
    long queuedWork = live.work();
    long tenantWork = live.tenantWork();
    long tenantJobs = live.tenantJobs();
    if (live.jobs() >= config.maxQueuedJobs() || queuedWork + work > config.maxQueuedWork()) {
      throw new Rejection.QueueFull((int) Math.min(Integer.MAX_VALUE, live.jobs()), queuedWork,
          retryAfterSeconds(queuedWork), false).toException();
    }
    if (tenant != null && (tenantJobs >= config.tenantMaxQueuedJobs() || tenantWork + work > tenantWorkLimit)) {
      throw new Rejection.QueueFull((int) Math.min(Integer.MAX_VALUE, tenantJobs), tenantWork,
          retryAfterSeconds(tenantWork), true).toException();
    }
  }

  private long retryAfterSeconds(long queuedWork) {
    double rps = 0;
    for (BatchEngine e : engines.values()) {
      rps += e.rowsPerSecond();
    }
    if (rps <= 0) {
      return 5;
    }
    return Math.max(1, Math.min(600, (long) Math.ceil(queuedWork / rps)));
  }
}
