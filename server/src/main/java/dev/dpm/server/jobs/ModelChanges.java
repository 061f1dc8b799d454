package dev.dpm.server.jobs;

import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the job service does when the model registry changes at run time.
 *
 * <ul>
 *   <li>A version is loaded: its engine is made (and started), then the queue is dispatched.
 *   <li>A version is retired by an unload: its queued jobs fail with {@link FailureCode#MODEL_UNLOADED}; its running
 *       jobs finish on it (they hold a lease), and its engine stops after the last.
 *   <li>A version is retired by a reload: its queued jobs move to the new version (the sampler or calibration
 *       rebuilt against it, the record naming the new version); a job that no longer fits it fails with
 *       {@link FailureCode#MODEL_CHANGED}. Running jobs finish on the old version, whose record keeps naming it.
 * </ul>
 *
 * <p>The registry calls these on the thread of its operation; the queue work is handed to dpm-jobs (the registry is
 * never waited for from there, so the two never deadlock).
 */
final class ModelChanges implements ModelRegistry.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(ModelChanges.class);
  private final ModelRegistry models;
  private final ModelEngines engines;
  private final Lifecycle life;
  private final JobFactory factory;
  private final Dispatcher dispatcher;
  private final JobsThread thread;
  private final boolean runsJobs; // false on an API node of a cluster: it makes no engine

  ModelChanges(ModelRegistry models, ModelEngines engines, Lifecycle life, JobFactory factory, Dispatcher dispatcher,
      JobsThread thread) {
    this(models, engines, life, factory, dispatcher, thread, true);
  }

  ModelChanges(ModelRegistry models, ModelEngines engines, Lifecycle life, JobFactory factory, Dispatcher dispatcher,
      JobsThread thread, boolean runsJobs) {
    this.runsJobs = runsJobs;
    this.models = models;
    this.engines = engines;
    this.life = life;
    this.factory = factory;
    this.dispatcher = dispatcher;
    this.thread = thread;
  }

  @Override
  public void loaded(ServedModel m) {
    if (!runsJobs) {
      return; // an API node validates against the new version; the workers run it
    }
    engines.add(m);
    thread.offer(dispatcher::dispatch);
  }

  @Override
  public void retired(ServedModel m) {
    engines.retire(m);
    if (!thread.offer(() -> requeueOrFail(m))) {
      LOG.warn("event=model-retire-dropped model={} reason=shutdown", m.name());
    }
  }

  /** dpm-jobs: the queued jobs of a retired version move to its successor or fail; an idle engine stops. */
  private void requeueOrFail(ServedModel old) {
    ServedModel now = models.get(old.name());
    List<JobState> bound = new ArrayList<>();
    for (JobState st : life.queue.values()) {
      if (st.model == old) {
        bound.add(st);
      }
    }
    for (JobState st : bound) {
      if (now == null) {
        life.fail(st, FailureCode.MODEL_UNLOADED, "model '" + old.name() + "' was unloaded before the job started");
        LOG.info("event=job-failed job={} code={} version={}", st.id(), FailureCode.MODEL_UNLOADED.wire(),
            old.version());
      } else {
        rebind(st, old);
      }
    }
    engines.stopIfDrained(old);
    dispatcher.dispatch();
  }

  private void rebind(JobState st, ServedModel old) {
    String[] why = new String[1];
    JobState fresh = factory.recover(st.record, why); // against the version served now
    if (fresh.model == null) {
      life.fail(st, FailureCode.MODEL_UNLOADED, "model '" + old.name() + "' was unloaded before the job started");
      return;
    }
    ServedModel now = fresh.model;
    JobRecord next = st.record.withModelVersion(now.sha256(), now.version());
    if (why[0] != null) {
      life.fail(st, FailureCode.MODEL_CHANGED, "model '" + old.name() + "' was reloaded (version "
          + shortVersion(old) + " → " + shortVersion(now) + ") before the job started, and the job does not fit the"
          + " new version: " + why[0]);
      return;
    }
    try {
      life.persist(st, next);
    } catch (SQLException e) {
      life.fail(st, FailureCode.INTERNAL, "could not move the job to the reloaded model: " + e.getMessage());
      return;
    }
    st.rebind(fresh);
    LOG.info("event=job-rebound job={} model={} from={} to={}", st.id(), old.name(), old.version(), now.version());
  }

  private static String shortVersion(ServedModel m) {
    String v = m.version();
    return v == null ? "?" : v.substring(0, Math.min(12, v.length()));
  }
}
