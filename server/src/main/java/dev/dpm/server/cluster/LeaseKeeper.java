package dev.dpm.server.cluster;

import dev.dpm.server.jobs.JobRecord;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.store.pg.PgJobStore;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's side of the leases, on its own thread ({@code dpm-leases}): while the node is ready it claims jobs of its
 * models (every claim interval, and at once when the bus says a job was queued or ended) whenever it holds fewer than
 * {@code maxJobs} of a model (pull routing: a busy worker claims nothing, so jobs
 * go by model and by load), renews its leases every third of their length, and drops the jobs whose lease it lost
 * (taken over after a pause longer than the lease, or the database unreachable for that long: then another worker
 * may already run them, and this node must not write them).
 */
final class LeaseKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
  private final ClusterConfig config;
  private final PgJobStore store;
  private final JobService jobs;
  private final ModelRegistry models;
  private final ScheduledExecutorService exec =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dpm-leases");
        t.setDaemon(true);
        return t;
      });
  private volatile boolean claiming = true;
  private final java.util.concurrent.atomic.AtomicBoolean nudged = new java.util.concurrent.atomic.AtomicBoolean();
  private long lastRenewed = System.nanoTime();
  private Set<String> heldIdle = Set.of();

  LeaseKeeper(ClusterConfig config, PgJobStore store, JobService jobs, ModelRegistry models) {
    this.config = config;
    this.store = store;
    this.jobs = jobs;
    this.models = models;
  }

  void start() {
    exec.scheduleWithFixedDelay(this::claimSafely, 0, config.claimIntervalMs(), TimeUnit.MILLISECONDS);
    long renewMs = (long) (config.leaseSeconds() * 1000 / 3);
    exec.scheduleWithFixedDelay(this::renewSafely, renewMs, renewMs, TimeUnit.MILLISECONDS);
  }

  /** Looks for work now (a job was queued, or one ended and made room), besides the periodic look. */
  void nudge() {
    if (claiming && nudged.compareAndSet(false, true)) {
      try {
        exec.execute(() -> {
          nudged.set(false);
          claimSafely();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // stopping
      }
    }
  }

  /** Stops claiming (renewals go on until {@link #stop}). */
  void stopClaiming() {
    claiming = false;
  }

  /** Stops the thread. */
  void stop() {
    claiming = false;
    exec.shutdownNow();
    try {
      exec.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void claimSafely() {
    if (!claiming || !jobs.ready()) {
      return;
    }
    try {
      for (String name : jobs.engines().keySet()) {
        ServedModel m = models.get(name);
        int room = config.maxJobs() - jobs.workers().liveCount(name);
        if (m == null || room <= 0) {
          continue;
        }
        List<JobRecord> claimed = store.claim(name, m.sha256(), room, config.leaseSeconds());
        for (JobRecord r : claimed) {
          LOG.info("event=job-claimed job={} model={} status={}", r.id(), name, r.status().wire());
          jobs.workers().adopt(r).get(30, TimeUnit.SECONDS); // counted in liveCount before the next claim
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("event=claim-failed error={}", e.toString());
    }
  }

  private void renewSafely() {
    try {
      Set<String> held = store.renew(config.leaseSeconds());
      lastRenewed = System.nanoTime();
      Set<String> live = jobs.workers().liveIds();
      for (String id : live) {
        if (!held.contains(id)) {
          jobs.workers().abandon(id);
        }
      }
      // held but not running here at two renewals in a row (a claim that did not take): give it back
      Set<String> idle = new java.util.HashSet<>(held);
      idle.removeAll(live);
      for (String id : idle) {
        if (heldIdle.contains(id)) {
          store.release(id);
          LOG.warn("event=lease-released job={} reason=not-running-here", id);
        }
      }
      heldIdle = idle;
    } catch (Exception e) {
      LOG.warn("event=lease-renew-failed error={}", e.toString());
      if (System.nanoTime() - lastRenewed > (long) (config.leaseSeconds() * 1e9)) {
        for (String id : jobs.workers().liveIds()) {
          jobs.workers().abandon(id); // another worker may hold it by now
        }
      }
    }
  }
}
