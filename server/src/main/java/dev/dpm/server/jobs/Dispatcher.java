package dev.dpm.server.jobs;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FIFO queue in front of the per-model {@link BatchEngine}s (dpm-jobs thread only): admits queued jobs to engines
 * with room, each taking a lease on its model version (their {@code running} status committed in one transaction
 * before they are announced and handed over),
 * keeps queue positions current, and fails queued jobs whose deadline passed.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private final int maxActiveJobs;
  private final ModelEngines engines;
  private final JobStore store;
  private final Lifecycle life;
  private final JobsThread thread;
  private final BooleanSupplier open;
  private final boolean handOff;
  private boolean scheduled;

  Dispatcher(int maxActiveJobs, ModelEngines engines, JobStore store, Lifecycle life, JobsThread thread,
      BooleanSupplier open, boolean handOff) {
    this.handOff = handOff;
    this.maxActiveJobs = maxActiveJobs;
    this.engines = engines;
    this.store = store;
    this.life = life;
    this.thread = thread;
    this.open = open;
  }

  /** Puts a job at the end of the queue. */
  void enqueue(JobState st) {
    life.live.put(st.id(), st);
    life.queue.put(st.id(), st);
    st.position = life.queue.size() - 1;
  }

  /**
   * Schedules one {@link #dispatch} after the tasks already waiting on the jobs thread: a burst of submits is
   * admitted together, with one commit for all of them.
   */
  void request() {
    if (!scheduled) {
      scheduled = true;
      if (!thread.offer(() -> {
        scheduled = false;
        dispatch();
      })) {
        scheduled = false; // shutting down
      }
    }
  }

  /** Admits what fits now. */
  void dispatch() {
    if (!open.getAsBoolean()) {
      return;
    }
    Map<BatchEngine, Integer> room = new HashMap<>();
    List<JobState> starting = new ArrayList<>();
    List<EngineJob> engineJobs = new ArrayList<>();
    for (Iterator<JobState> it = life.queue.values().iterator(); it.hasNext(); ) {
      JobState st = it.next();
      if (handOff && !st.adopted) { // cluster mode: submitted here, committed; a worker claims it from the store
        it.remove();
        life.live.remove(st.id());
        continue;
      }
      BatchEngine engine = engines.of(st.model);
      if (engine == null) {
        continue; // its version is being loaded or retired: the registry's change moves or fails it next
      }
      int free = room.computeIfAbsent(engine, e -> maxActiveJobs - e.jobCount());
      if (free <= 0) {
        continue;
      }
      if (!st.lease()) {
        continue; // retired just now: as above
      }
      it.remove();
      try {
        engineJobs.add(engineJob(st));
        starting.add(st);
        room.put(engine, free - 1);
      } catch (RuntimeException e) {
        LOG.error("event=job-start-failed job={} error={}", st.id(), e.toString(), e);
        life.fail(st, FailureCode.INTERNAL, "could not start: " + e.getMessage());
      }
    }
    if (!starting.isEmpty()) {
      start(starting, engineJobs);
      renumber();
    }
    life.refreshCounts();
  }

  private void start(List<JobState> starting, List<EngineJob> engineJobs) {
    Instant now = Instant.now();
    List<JobRecord> next = new ArrayList<>(starting.size());
    for (JobState st : starting) {
      JobRecord r = st.record;
      next.add(r.transition(JobStatus.RUNNING, now, null, null, null, 0, r.progressTotal(), 0)
          .withSeqReserved(r.seqReserved()));
    }
    try {
      store.updateAll(next); // durable before announced
    } catch (SQLException e) {
      LOG.error("event=job-start-failed jobs={} error={}", starting.size(), e.toString(), e);
      for (JobState st : starting) {
        life.fail(st, FailureCode.INTERNAL, "could not start: " + e.getMessage());
      }
      return;
    }
    for (int i = 0; i < starting.size(); i++) {
      JobState st = starting.get(i);
      synchronized (st) {
        st.record = next.get(i).withSeqReserved(st.record.seqReserved());
      }
      st.position = -1;
      st.step = 0;
      st.nfe = 0;
      st.fraction = 0;
      life.emit(st, "started", new JsonObject().put("job", life.views().of(st)), false);
      LOG.info("event=job-started job={} model={} version={}", st.id(), st.record.model(), st.record.modelVersion());
      EngineJob ej = engineJobs.get(i);
      st.engineJob = ej;
      engines.of(st.model).submit(ej); // leased: its engine runs until the job ends
    }
  }

  /** New positions for the jobs still queued (an event for each change among the first 200). */
  private void renumber() {
    int pos = 0;
    for (JobState st : life.queue.values()) {
      if (st.position != pos) {
        st.position = pos;
        if (pos < 200) {
          life.emit(st, "queued", new JsonObject().put("position", pos), false);
        }
      }
      pos++;
    }
  }

  /** The engine's view of a job about to start: one process per sample (or calibration row). */
  private static EngineJob engineJob(JobState st) {
    JobRecord r = st.record;
    List<SamplingProcess> procs = new ArrayList<>(r.n());
    NoiseSource noise = new NoiseSource(r.seed());
    if (st.calibration != null) {
      procs.addAll(st.calibration.processes());
    } else {
      for (int i = 0; i < r.n(); i++) {
        procs.add(st.sampler.start(noise.stream(i)));
      }
    }
    dev.dpm.core.model.Condition[] conds = st.calibration != null ? st.calibration.conditions()
        : JobConditions.of(r.spec()).conditions(r.n(), st.sampler.settings().guidance());
    return new EngineJob(r.id(), procs, conds, st.spec.previewEvery(), st.spec.deadlineMs(r.createdAt().toEpochMilli()),
        0, "", st);
  }

  /** Fails queued jobs whose deadline passed. */
  void expireQueued() {
    long now = System.currentTimeMillis();
    for (Iterator<JobState> it = life.queue.values().iterator(); it.hasNext(); ) {
      JobState st = it.next();
      long deadline = st.spec.deadlineMs(st.record.createdAt().toEpochMilli());
      if (deadline != 0 && now > deadline) {
        it.remove();
        life.fail(st, FailureCode.DEADLINE_EXCEEDED, "the job's deadline passed before it started");
      }
    }
  }
}
