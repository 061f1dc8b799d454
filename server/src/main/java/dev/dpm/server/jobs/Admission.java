package dev.dpm.server.jobs;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.engine.BatchEngine;
import java.util.Collection;
import java.util.Map;

/**
 * Admission control: a new job is refused with {@link Rejection.QueueFull} (429, with a Retry-After estimated from the
 * engines' measured rows per second) when the jobs queued and running, or their rows of work, would pass the
 * configured limits, and with {@link Rejection.Invalid} when the job alone is larger than the work limit (it could
 * never fit, so retrying is pointless).
 */
final class Admission {
  private final ServerConfig config;
  private final Map<String, BatchEngine> engines;

  Admission(ServerConfig config, Map<String, BatchEngine> engines) {
    this.config = config;
    this.engines = engines;
  }

  /** Throws the rejection if {@code work} more rows do not fit beside {@code live}. */
  void admit(Collection<JobState> live, long work, String field) {
    if (work > config.maxQueuedWork()) {
      throw Rejection.Invalid.of(field, "this job is " + work + " rows of work; this server queues at most "
          + config.maxQueuedWork() + " (maxQueuedWork): ask for fewer samples or steps").toException();
    }
    long queuedWork = 0;
    for (JobState s : live) {
      queuedWork += s.work;
    }
    if (live.size() >= config.maxQueuedJobs() || queuedWork + work > config.maxQueuedWork()) {
      throw new Rejection.QueueFull(live.size(), queuedWork, retryAfterSeconds(queuedWork)).toException();
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
