package dev.dpm.server.jobs;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.Admission;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.BatchingMode;
import dev.dpm.server.engine.EngineJob;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue in front of the per-model {@link BatchEngine}s (dpm-jobs thread only): admits queued jobs to engines
 * with room (their {@code running} status committed in one transaction before they are announced and handed over),
 * keeps queue positions current, and fails queued jobs whose deadline passed.
 *
 * <p>Order: the engine's {@link Admission} with one row per job and {@code maxActiveJobs} as the cap, that is by
 * priority, highest first, then arrival; a job passed over by {@value BatchEngine#MAX_PASSED} later arrivals goes
 * first, so low priorities do not starve.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private final int maxActiveJobs;
  private final Admission order;
  private final Map<String, BatchEngine> engines;
  private final JobStore store;
  private final Lifecycle life;
  private final JobsThread thread;
  private final BooleanSupplier open;
  private boolean scheduled;

  Dispatcher(int maxActiveJobs, Map<String, BatchEngine> engines, JobStore store, Lifecycle life, JobsThread thread,
      BooleanSupplier open) {
    this.maxActiveJobs = maxActiveJobs;
    this.order = new Admission(BatchingMode.STEP, 1, maxActiveJobs, BatchEngine.MAX_PASSED);
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
    List<JobState> starting = new ArrayList<>();
    List<EngineJob> engineJobs = new ArrayList<>();
    for (JobState st : admitted()) {
      life.queue.remove(st.id());
      try {
        engineJobs.add(engineJob(st));
        starting.add(st);
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

  /** The queued jobs that start now, per model in {@link Admission}'s order; updates their passed-over counts. */
  private List<JobState> admitted() {
    Map<String, List<JobState>> byModel = new LinkedHashMap<>();
    for (JobState st : life.queue.values()) {
      byModel.computeIfAbsent(st.record.model(), m -> new ArrayList<>()).add(st);
    }
    List<JobState> out = new ArrayList<>();
    for (Map.Entry<String, List<JobState>> e : byModel.entrySet()) {
      int running = engines.get(e.getKey()).jobCount();
      if (running >= maxActiveJobs) {
        continue;
      }
      List<JobState> queued = e.getValue();
      List<Admission.Waiting> w = new ArrayList<>(queued.size());
      for (JobState st : queued) {
        w.add(new Admission.Waiting(1, st.spec.priority(), "", st.passedOver));
      }
      List<Integer> start = order.admit(w, running, running);
      int[] passed = Admission.passedOverAfter(w, start);
      for (int i = 0; i < queued.size(); i++) {
        queued.get(i).passedOver = passed[i];
      }
      for (int i : start) {
        out.add(queued.get(i));
      }
    }
    return out;
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
      LOG.info("event=job-started job={} model={}", st.id(), st.record.model());
      EngineJob ej = engineJobs.get(i);
      st.engineJob = ej;
      engines.get(st.record.model()).submit(ej);
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
    JsonObject sampler = r.spec().getJsonObject("sampler");
    String batchKey = sampler == null ? "calibration" : sampler.encode();
    return new EngineJob(r.id(), procs, st.spec.previewEvery(), st.spec.deadlineMs(r.createdAt().toEpochMilli()),
        st.spec.priority(), batchKey, st);
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
