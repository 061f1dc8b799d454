package dev.dpm.server.jobs;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
 *
 * <p>Order: by priority, highest first, then arrival; a job passed over by {@value BatchEngine#MAX_PASSED} later
 * arrivals for its model goes first (in arrival order), so low priorities do not starve. A tenant with
 * {@code tenantMaxRunningJobs} jobs running has no more started: its queued jobs wait and the jobs behind them (other
 * tenants') go ahead.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private final int maxActiveJobs;
  private final int tenantMaxRunning;
  private final ModelEngines engines;
  private final JobStore store;
  private final Lifecycle life;
  private final JobsThread thread;
  private final BooleanSupplier open;
  private final boolean handOff;
  private boolean scheduled;

  Dispatcher(int maxActiveJobs, int tenantMaxRunning, ModelEngines engines, JobStore store, Lifecycle life, JobsThread thread,
      BooleanSupplier open, boolean handOff) {
    this.handOff = handOff;
    this.maxActiveJobs = maxActiveJobs;
    this.tenantMaxRunning = tenantMaxRunning;
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
    List<JobState> arrival = new ArrayList<>(life.queue.values());
    List<JobState> order = new ArrayList<>(arrival);
    order.sort(Comparator.comparingInt((JobState st) -> st.passedOver >= BatchEngine.MAX_PASSED ? 0 : 1)
        .thenComparingInt(st -> st.passedOver >= BatchEngine.MAX_PASSED ? 0 : -st.spec.priority())); // stable
    Map<String, Integer> running = runningByTenant();
    for (JobState st : order) {
      if (handOff && !st.adopted) { // cluster mode: submitted here, committed; a worker claims it from the store
        life.queue.remove(st.id());
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
      String tenant = st.record.tenant();
      if (tenant != null && running.getOrDefault(tenant, 0) >= tenantMaxRunning) {
        continue; // tenantMaxRunningJobs: it waits; the jobs behind it are looked at
      }
      if (!st.lease()) {
        continue; // retired just now: as above
      }
      life.queue.remove(st.id());
      try {
        engineJobs.add(engineJob(st));
        starting.add(st);
        room.put(engine, free - 1);
        if (tenant != null) {
          running.merge(tenant, 1, Integer::sum);
        }
      } catch (RuntimeException e) {
        LOG.error("event=job-start-failed job={} error={}", st.id(), e.toString(), e);
        life.fail(st, FailureCode.INTERNAL, "could not start: " + e.getMessage());
      }
    }
    countPassedOver(arrival);
    if (!starting.isEmpty()) {
      start(starting, engineJobs);
      renumber();
    }
    life.refreshCounts();
  }

  /** Jobs running now per tenant (live and not queued; jobs without a tenant are not counted). */
  private Map<String, Integer> runningByTenant() {
    Map<String, Integer> m = new HashMap<>();
    for (JobState st : life.live.values()) {
      String t = st.record.tenant();
      if (t != null && !life.queue.containsKey(st.id()) && st.record.status() == JobStatus.RUNNING) {
        m.merge(t, 1, Integer::sum);
      }
    }
    return m;
  }

  /** Each job still queued counts the later arrivals for its model that left the queue ahead of it. */
  private void countPassedOver(List<JobState> arrival) {
    Map<String, Integer> later = new HashMap<>();
    for (int i = arrival.size() - 1; i >= 0; i--) {
      JobState st = arrival.get(i);
      String model = st.record.model();
      if (life.queue.containsKey(st.id())) {
        st.passedOver += later.getOrDefault(model, 0);
      } else {
        later.merge(model, 1, Integer::sum);
      }
    }
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
        st.spec.priority(), batchKey(r), st).tenant(r.tenant()).nfeLimit(nfeLimit(st));
  }

  /** The admitted evaluations per sample of an adaptive solver ({@code ode-rk45}), enforced by the engine; else 0. */
  private static long nfeLimit(JobState st) {
    if (st.calibration != null || st.sampler == null
        || st.sampler.settings().kind() != dev.dpm.core.sampler.SamplerKind.ODE_RK45) {
      return 0; // fixed-step samplers make exactly the evaluations they were charged
    }
    return Cost.evaluationsPerSample(st.sampler.settings());
  }

  /** Jobs that a request-level batcher may batch together: same sampler settings (calibrations apart). */
  private static String batchKey(JobRecord r) {
    JsonObject sampler = r.spec().getJsonObject("sampler");
    return sampler == null ? "calibration" : sampler.encode();
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
