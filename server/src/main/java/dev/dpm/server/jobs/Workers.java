package dev.dpm.server.jobs;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster worker's side of the {@link JobService} ({@link JobService#workers()}): jobs claimed in the shared store
 * are adopted (queued here and dispatched to the local engine), jobs whose lease was lost are dropped, and the
 * claimer sees how many jobs of a model this node holds. Also the recovery of one stored job, shared with the
 * single node's start-up.
 */
public final class Workers {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
  private final JobStore store;
  private final JobFactory factory;
  private final Lifecycle life;
  private final Dispatcher dispatcher;
  private final JobsThread jobsExec;

  Workers(JobStore store, JobFactory factory, Lifecycle life, Dispatcher dispatcher, JobsThread jobsExec) {
    this.store = store;
    this.factory = factory;
    this.life = life;
    this.dispatcher = dispatcher;
    this.jobsExec = jobsExec;
  }

  /**
   * Queues a stored job again (dpm-jobs thread) on the version served now (its record moved to it when the model
   * file changed), or fails it: {@code model-unloaded}, {@code model-changed} when it no longer fits the new version.
   *
   * @param r the stored queued job
   * @return its state, or null when it failed
   * @throws SQLException if the store fails
   */
  JobState recover(JobRecord r) throws SQLException {
    String[] why = new String[1];
    JobState st = factory.recover(r, why);
    boolean moved = st.model != null && (!Objects.equals(r.modelSha256(), st.model.sha256())
        || r.modelVersion() != null && !r.modelVersion().equals(st.model.version()));
    if (why[0] != null) {
      FailureCode code = st.model == null ? FailureCode.MODEL_UNLOADED
          : moved ? FailureCode.MODEL_CHANGED : FailureCode.INTERNAL;
      String message = moved ? "model '" + r.model() + "' changed since the job was submitted, and the job does not"
          + " fit the version served now: " + why[0] : why[0];
      life.persist(st, r.transition(JobStatus.FAILED, r.startedAt(), Instant.now(), code.wire(), message,
          0, r.progressTotal(), 0));
      LOG.warn("event=job-failed job={} code={} reason=\"{}\"", r.id(), code.wire(), message);
      return null;
    }
    if (moved || r.modelVersion() == null) { // a changed file, or a record from before versions were stored
      life.persist(st, r.withModelVersion(st.model.sha256(), st.model.version()));
      LOG.info("event=job-rebound job={} model={} from={} to={} reason=restart", r.id(), r.model(), r.modelVersion(),
          st.model.version());
    }
    dispatcher.enqueue(st);
    life.emitQueued(st);
    return st;
  }

  /**
   * Takes over a job that this node claimed in the shared store: queued again if it was running on a lost node (it
   * re-runs from its seed: the same bytes), then dispatched to the local engine.
   *
   * @param r the claimed record
   * @return completes once the job is queued here
   */
  public CompletableFuture<Void> adopt(JobRecord r) {
    return jobsExec.async(() -> {
      JobState here = life.live.get(r.id());
      if (here != null) { // submitted on this node (role all) and claimed before it was handed off: run it here
        here.adopted = true;
        dispatcher.request();
        return null;
      }
      JobRecord q = r;
      if (r.status() == JobStatus.RUNNING) {
        q = r.transition(JobStatus.QUEUED, r.startedAt(), null, null, null, 0, r.progressTotal(), 0);
        store.update(q);
        LOG.info("event=job-requeued job={} reason=adopted", r.id());
      }
      JobState st = recover(q);
      if (st != null) {
        st.adopted = true;
        dispatcher.request();
      }
      life.refreshCounts();
      return null;
    });
  }

  /**
   * Drops a job that this node no longer holds (its lease was taken over): it stops at its next evaluation, and
   * nothing more of it is written or published from here.
   *
   * @param id job id
   */
  public void abandon(String id) {
    jobsExec.offer(() -> {
      JobState st = life.live.remove(id);
      if (st == null) {
        return;
      }
      life.queue.remove(id);
      synchronized (st) {
        st.abandoned = true;
        st.terminalEmitted = true;
      }
      if (st.engineJob != null) {
        st.engineJob.cancel();
      }
      LOG.warn("event=job-abandoned job={} reason=lease-lost", id);
    });
  }

  /** @return the ids of the jobs live on this node (queued here or running) */
  public Set<String> liveIds() {
    return new TreeSet<>(life.live.keySet());
  }

  /**
   * @param model a model
   * @return how many of its jobs are live on this node
   */
  public int liveCount(String model) {
    int n = 0;
    for (JobState s : life.live.values()) {
      if (s.record.model().equals(model)) {
        n++;
      }
    }
    return n;
  }
}
