package dev.dpm.server.jobs;

import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.results.ResultStore;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job table across restarts, on dpm-jobs: at start-up running jobs go back to queued and every queued job is
 * queued again (they re-run to the same bytes); at shutdown the jobs the engines still held go back to queued;
 * retention deletes finished jobs and their files.
 */
final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  private final JobStore store;
  private final ResultStore results;
  private final Lifecycle life;
  private final JobViews views;
  private final Workers workers;

  Recovery(JobStore store, ResultStore results, Lifecycle life, JobViews views, Workers workers) {
    this.store = store;
    this.results = results;
    this.life = life;
    this.views = views;
    this.workers = workers;
  }

  /**
   * At start-up on a single node (in a cluster the leases recover the jobs of a lost node).
   *
   * @param cluster whether this is a node of a cluster
   * @throws SQLException if the store fails
   */
  void atStart(boolean cluster) throws SQLException {
    if (!cluster) {
      for (JobRecord r : store.withStatus(JobStatus.RUNNING)) {
        store.update(r.transition(JobStatus.QUEUED, r.startedAt(), null, null, null, 0, r.progressTotal(), 0));
        LOG.info("event=job-requeued job={} reason=restart", r.id());
      }
      for (JobRecord r : store.withStatus(JobStatus.QUEUED)) {
        workers.recover(r);
      }
    }
    life.refreshCounts();
  }

  /**
   * At shutdown: the running jobs the stopped engines gave back are queued again, persisted and announced.
   *
   * @param left what the engines held
   * @throws SQLException if the store fails
   */
  void requeue(List<EngineJob> left) throws SQLException {
    for (EngineJob j : left) {
      JobState st = (JobState) j.attachment();
      if (st.record.status() == JobStatus.RUNNING) {
        JobRecord r = st.record;
        life.persist(st, r.transition(JobStatus.QUEUED, r.startedAt(), null, null, null, 0, r.progressTotal(), 0));
        life.emit(st, "queued", new JsonObject().put("position", 0).put("job", views.of(st)), false);
        LOG.info("event=job-requeued job={} reason=shutdown", r.id());
      }
    }
  }

  /**
   * Deletes the jobs finished before the cutoff, and their result files.
   *
   * @param retentionHours how long finished jobs are kept
   */
  void retention(double retentionHours) {
    try {
      Instant cutoff = Instant.now().minusMillis((long) (retentionHours * 3600_000));
      for (String id : store.deleteFinishedBefore(cutoff)) {
        results.delete(id);
        LOG.info("event=job-deleted job={} reason=retention", id);
      }
      life.refreshCounts();
    } catch (Exception e) {
      LOG.warn("event=retention-failed error={}", e.toString());
    }
  }
}
