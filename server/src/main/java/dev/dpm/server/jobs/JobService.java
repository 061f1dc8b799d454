package dev.dpm.server.jobs;

import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.engine.EngineListener;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.results.ImageRenderer;
import dev.dpm.server.results.ResultStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job service's facade: submits (typed {@link JobRequest}s, group-committed), cancels, reads, the engines'
 * callbacks, start-up recovery and shutdown. The parts: {@link JobFactory} (validation against the model),
 * {@link Admission} (limits), {@link Dispatcher} (queue and positions), {@link Lifecycle} (persist before emit,
 * event seq), {@link ResultWriter} (files), {@link JobViews} (the job JSON). Refusals are {@link Rejection}s.
 *
 * <p>Threads: every state change runs on one single-threaded executor ({@code dpm-jobs}), so submits, dispatch,
 * cancels and completions never race. Result files are encoded on {@code dpm-results}, previews on
 * {@code dpm-previews}; engine callbacks only hand work over.
 */
public final class JobService implements EngineListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);

  /** Makes samplers (the core's {@code Samplers::create} in production). */
  @FunctionalInterface
  public interface SamplerFactory {
    /**
     * @param settings requested settings
     * @param model model context
     * @return the sampler or the problems
     */
    SamplerResult create(SamplerSettings settings, ModelContext model);
  }

  /**
   * The outcome of a submit.
   *
   * @param job the job JSON
   * @param replay true when an Idempotency-Key matched an earlier submit
   */
  public record Submitted(JsonObject job, boolean replay) {}

  /**
   * A page of jobs.
   *
   * @param items jobs JSON
   * @param nextCursor cursor of the next page or null
   */
  public record Page(List<JsonObject> items, String nextCursor) {}

  private final ServerConfig config;
  private final JobStore store;
  private final ResultStore results;
  private final ModelEngines engines;
  private final JobsThread jobsExec = new JobsThread();
  private final ExecutorService resultsExec = Executors.newSingleThreadExecutor(r -> JobsThread.daemon(r, "dpm-results"));
  private final ExecutorService previewExec = Executors.newSingleThreadExecutor(r -> JobsThread.daemon(r, "dpm-previews"));
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> JobsThread.daemon(r, "dpm-timer"));
  private final JobViews views;
  private final Lifecycle life;
  private final JobFactory factory;
  private final Dispatcher dispatcher;
  private final ResultWriter writer;
  private final SubmitQueue submits;
  private volatile boolean accepting = true;
  private volatile boolean started;
  private final ClusterLink cluster; // null on a single node
  private final Workers workers;
  private final JobReads reads;

  /**
   * @param config limits and intervals
   * @param store the job table
   * @param results result files
   * @param models served models
   * @param samplers sampler factory
   * @param events where events go
   * @param registry metrics
   */
  public JobService(ServerConfig config, JobStore store, ResultStore results, ModelRegistry models,
      SamplerFactory samplers, EventSink events, MeterRegistry registry) {
    this(config, store, results, models, samplers, events, registry, null);
  }

  /**
   * A node of a cluster: the same, with the link to the other nodes ({@code cluster}; null: a single node).
   *
   * @param config limits @param store job table @param results results @param models models
   * @param samplers sampler factory @param events events @param registry metrics @param cluster the link or null
   */
  public JobService(ServerConfig config, JobStore store, ResultStore results, ModelRegistry models,
      SamplerFactory samplers, EventSink events, MeterRegistry registry, ClusterLink cluster) {
    this.config = config;
    this.store = store;
    this.results = results;
    this.cluster = cluster;
    this.engines = new ModelEngines(config, this, registry);
    for (ServedModel m : cluster == null || cluster.runsJobs() ? models.all() : List.<ServedModel>of()) {
      engines.add(m);
    }
    this.views = new JobViews(models);
    this.life = new Lifecycle(store, events, views, engines::stopIfDrained); // a retired version's last job
    this.reads = new JobReads(store, life, views, cluster);
    this.factory = new JobFactory(config, models, samplers);
    this.dispatcher = new Dispatcher(config.maxActiveJobs(), engines, store, life, jobsExec,
        () -> started && accepting, cluster != null);
    this.writer = new ResultWriter(results, config.dataDir());
    this.workers = new Workers(store, factory, life, dispatcher, jobsExec);
    this.submits = new SubmitQueue(store, factory, new Admission(config, engines.current()),
        dispatcher, life, views, jobsExec, () -> accepting,
        cluster != null && store instanceof QueueCounts shared ? shared : null); // a cluster counts its store
    models.addListener(new ModelChanges(models, engines, life, factory, dispatcher, jobsExec,
        cluster == null || cluster.runsJobs())); // run-time changes (an API node makes no engine)
    for (JobStatus s : JobStatus.values()) {
      Gauge.builder("dpm.jobs", life.statusCounts, m -> m.getOrDefault(s, 0L))
          .description("jobs by status").tag("status", s.wire()).register(registry);
    }
    Gauge.builder("dpm.queue.depth", life, l -> l.queuedCount()).description("queued jobs").register(registry);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Recovers (running jobs go back to queued and re-run; queued jobs are queued again), starts and
   * warms up the engines, and starts admitting jobs.
   *
   * @throws SQLException if the store fails
   */
  public void start() throws SQLException {
    jobsExec.call(() -> {
      if (cluster != null) {
        life.refreshCounts();
        return null; // the leases recover the jobs of a lost node
      }
      for (JobRecord r : store.withStatus(JobStatus.RUNNING)) {
        store.update(r.transition(JobStatus.QUEUED, r.startedAt(), null, null, null, 0, r.progressTotal(), 0));
        LOG.info("event=job-requeued job={} reason=restart", r.id());
      }
      for (JobRecord r : store.withStatus(JobStatus.QUEUED)) {
        workers.recover(r);
      }
      life.refreshCounts();
      return null;
    });
    engines.startAll();
    started = true;
    jobsExec.execute(dispatcher::dispatch);
    timer.scheduleWithFixedDelay(() -> jobsExec.offer(dispatcher::expireQueued), 1, 1, TimeUnit.SECONDS);
    if (config.retentionHours() > 0) {
      timer.scheduleWithFixedDelay(() -> jobsExec.offer(this::retention), 0, 10, TimeUnit.MINUTES);
    }
  }

  /** @return true when the engine of every served model has warmed up */
  public boolean ready() {
    if (!started || !accepting) {
      return false;
    }
    for (BatchEngine e : engines.current().values()) {
      if (!e.ready()) {
        return false;
      }
    }
    return true;
  }

  /** @return whether the service still admits work */
  public boolean accepting() {
    return accepting;
  }

  /** @return the engine of each served model by name (a live view; retired versions still draining are not in it) */
  public Map<String, BatchEngine> engines() {
    return engines.current();
  }

  /**
   * Graceful shutdown: stops admitting jobs, lets running jobs finish for up to the grace period,
   * then stops the engines and puts what is left back to queued (it re-runs, to the same bytes,
   * at the next start).
   */
  public void shutdown() {
    if (!accepting) {
      return;
    }
    accepting = false;
    long until = System.nanoTime() + (long) (config.shutdownGraceSeconds() * 1e9);
    while (System.nanoTime() < until && life.live.values().stream()
        .anyMatch(s -> s.record.status() == JobStatus.RUNNING)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    timer.shutdownNow();
    List<EngineJob> left = engines.stopAll();
    resultsExec.shutdown();
    previewExec.shutdown();
    try {
      resultsExec.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      jobsExec.call(() -> {
        for (EngineJob j : left) {
          JobState st = (JobState) j.attachment();
          if (st.record.status() == JobStatus.RUNNING) {
            JobRecord r = st.record;
            life.persist(st, r.transition(JobStatus.QUEUED, r.startedAt(), null, null, null, 0, r.progressTotal(), 0));
            life.emit(st, "queued", new JsonObject().put("position", 0).put("job", views.of(st)), false);
            LOG.info("event=job-requeued job={} reason=shutdown", r.id());
          }
        }
        return null;
      });
    } catch (SQLException e) {
      LOG.error("event=shutdown-requeue-failed error={}", e.toString());
    }
    jobsExec.shutdown(10);
  }

  /** Stops abruptly (tests of crash recovery): no state change is written. */
  public void halt() {
    accepting = false;
    timer.shutdownNow();
    engines.stopAll();
    jobsExec.shutdownNow();
    resultsExec.shutdownNow();
    previewExec.shutdownNow();
  }

  @Override
  public void close() {
    shutdown();
  }

  // ---------------------------------------------------------------- submit

  /**
   * Validates and stores a job (sampling or calibration) for a tenant: its quota, its Idempotency-Keys, its job.
   * @param request the typed request
   * @param idempotencyKey the header or null
   * @param tenant the caller's tenant, or null on a server without API keys
   * @return the job and whether it is a replay; or a {@link RejectedException} with the {@link Rejection}
   */
  public CompletableFuture<Submitted> submit(JobRequest request, String idempotencyKey, String tenant) {
    return submits.submit(request, idempotencyKey, tenant);
  }

  /**
   * @return the cluster worker's side of this service (adopting claimed jobs, dropping lost ones)
   */
  public Workers workers() {
    return workers;
  }

  private void retention() {
    try {
      Instant cutoff = Instant.now().minusMillis((long) (config.retentionHours() * 3600_000));
      for (String id : store.deleteFinishedBefore(cutoff)) {
        results.delete(id);
        LOG.info("event=job-deleted job={} reason=retention", id);
      }
      life.refreshCounts();
    } catch (Exception e) {
      LOG.warn("event=retention-failed error={}", e.toString());
    }
  }

  // ---------------------------------------------------------------- engine callbacks

  @Override
  public void onProgress(EngineJob job, int step, int total, int nfe, double fraction, double etaSeconds) {
    JobState st = (JobState) job.attachment();
    st.step = step;
    st.total = total;
    st.nfe = nfe;
    st.fraction = fraction;
    st.eta = etaSeconds;
    life.emit(st, "progress", JobViews.progress(st), false);
  }

  @Override
  public void onPreview(EngineJob job, int step, float[][] denoised) {
    JobState st = (JobState) job.attachment();
    if (!ImageRenderer.supports(st.model.spec().sampleShape(), st.model.spec().dataRange())) {
      return;
    }
    try {
      previewExec.execute(() -> {
        byte[] png = new ImageRenderer(st.model.spec().sampleShape(), st.model.spec().dataRange()).grid(denoised);
        life.emit(st, "preview", new JsonObject().put("step", step).put("total", st.total)
            .put("png", Base64.getEncoder().encodeToString(png)), false);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shutting down: previews are optional
    }
  }

  @Override
  public void onSucceeded(EngineJob job, float[][] samples, int nfe, int total) {
    JobState st = (JobState) job.attachment();
    st.step = total;
    st.total = total;
    st.nfe = nfe;
    st.fraction = 1;
    st.eta = 0;
    try {
      resultsExec.execute(() -> {
        try {
          writer.write(st, samples);
          jobsExec.execute(() -> {
            try {
              JobRecord r = st.record;
              life.persist(st, r.transition(JobStatus.SUCCEEDED, r.startedAt(), Instant.now(), null, null, total, total, nfe));
              if (st.calibration != null && st.calibration.install()) {
                st.calibration.installInto();
              }
              life.terminal(st, "succeeded", null);
              LOG.info("event=job-succeeded job={} nfe={} ms={}", r.id(), nfe,
                  st.record.finishedAt().toEpochMilli() - r.startedAt().toEpochMilli());
            } catch (SQLException e) {
              LOG.error("event=job-persist-failed job={} error={}", st.record.id(), e.toString());
            }
            dispatcher.dispatch();
          });
        } catch (Exception e) {
          LOG.error("event=result-write-failed job={} error={}", st.record.id(), e.toString(), e);
          jobsExec.execute(() -> {
            life.fail(st, FailureCode.INTERNAL, "could not write results: " + e.getMessage());
            dispatcher.dispatch();
          });
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.warn("event=result-dropped job={} reason=shutdown", st.record.id());
    }
  }

  @Override
  public void onFailed(EngineJob job, String code, String message) {
    JobState st = (JobState) job.attachment();
    LOG.warn("event=job-failed job={} code={} message=\"{}\"", job.id(), code, message);
    onJobsThread(() -> {
      life.fail(st, code, message);
      dispatcher.dispatch();
    });
  }

  @Override
  public void onCanceled(EngineJob job) {
    JobState st = (JobState) job.attachment();
    onJobsThread(() -> {
      try {
        life.cancel(st, st.step);
        LOG.info("event=job-canceled job={} step={}", st.id(), st.step);
      } catch (SQLException e) {
        LOG.error("event=job-persist-failed job={} error={}", st.record.id(), e.toString());
      }
      dispatcher.dispatch();
    });
  }

  private void onJobsThread(Runnable r) {
    if (!jobsExec.offer(r)) {
      LOG.warn("event=state-change-dropped reason=shutdown");
    }
  }

  // ---------------------------------------------------------------- cancel / read

  /**
   * Cancels a job: a queued job at once, a running job at its next evaluation.
   *
   * @param id job id
   * @return the job once canceled (or with its current state if it has not stopped within the
   *     wait), and whether it is final
   */
  public CompletableFuture<JsonObject> cancel(String id) {
    if (cluster == null) {
      return cancelHere(id);
    }
    return jobsExec.async(() -> life.live.containsKey(id) ? null : store.get(id).orElse(null))
        .thenCompose(r -> r != null && !r.status().terminal() ? cluster.cancel(r) : cancelHere(id));
  }

  private CompletableFuture<JsonObject> cancelHere(String id) {
    return jobsExec.async(() -> {
      JobState st = life.live.get(id);
      if (st == null) {
        JobRecord r = store.get(id).orElseThrow(() -> notFound(id));
        if (r.status() == JobStatus.CANCELED) {
          return views.of(r);
        }
        throw new Rejection.Conflict("job '" + id + "' already " + r.status().wire()).toException();
      }
      if (st.record.status() == JobStatus.QUEUED) {
        life.queue.remove(id);
        life.cancel(st, null);
        dispatcher.dispatch();
        return views.of(st);
      }
      if (st.engineJob != null) {
        st.engineJob.cancel();
      }
      return null;
    }).thenCompose(j -> {
      if (j != null) {
        return CompletableFuture.completedFuture(j);
      }
      JobState st = life.live.get(id);
      if (st == null) { // finished in between
        return jobsExec.async(() -> views.of(store.get(id).orElseThrow()));
      }
      return st.done.copy().completeOnTimeout(null, 5, TimeUnit.SECONDS)
          .thenApply(done -> done != null ? done : views.of(st));
    });
  }

  /**
   * @param id job id
   * @return the job JSON (live state first, then the store, then the node holding it)
   * @throws RejectedException with {@link Rejection.NotFound}
   * @throws SQLException on store failure
   */
  public JsonObject get(String id) throws SQLException {
    return reads.get(id);
  }

  /**
   * The current state for a subscriber: the job, its latest seq, and the event type that describes it.
   *
   * @param id job id
   * @return {@code {seq, type, job}}, or empty if no such job
   * @throws SQLException on store failure
   */
  public Optional<JsonObject> stateEvent(String id) throws SQLException {
    return reads.stateEvent(id);
  }

  /**
   * @param id job id
   * @return the stored record, if any
   * @throws SQLException on store failure
   */
  public Optional<JobRecord> record(String id) throws SQLException {
    JobState st = life.live.get(id);
    return st != null ? Optional.of(st.record) : store.get(id);
  }

  /**
   * A page of one tenant's jobs, newest first.
   * @param status filter or null
   * @param limit page size
   * @param cursor cursor or null
   * @param tenant only this tenant's jobs (null = all: a server without API keys)
   * @return the page
   * @throws SQLException on store failure
   */
  public Page list(JobStatus status, int limit, String cursor, String tenant) throws SQLException {
    return reads.list(status, limit, cursor, tenant);
  }

  /**
   * @param m a model version
   * @return jobs running on it now (they finish on it even after it was unloaded or replaced)
   */
  public int runningOn(ServedModel m) {
    int n = 0;
    for (JobState st : life.live.values()) {
      if (st.model == m && st.record.status() == JobStatus.RUNNING) {
        n++;
      }
    }
    return n;
  }

  /**
   * @param r a stored job
   * @return its JSON as the API shows it
   */
  public JsonObject view(JobRecord r) {
    return views.of(r);
  }

  /** @return number of queued jobs */
  public int queuedCount() {
    return life.queuedCount();
  }


  private static RejectedException notFound(String id) {
    return new Rejection.NotFound("job '" + id + "'").toException();
  }

  /** @return jobs not finished (tests) */
  Map<String, JobState> live() {
    return new HashMap<>(life.live);
  }
}
