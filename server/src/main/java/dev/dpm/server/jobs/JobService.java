package dev.dpm.server.jobs;

import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.results.ResultStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job service's facade: submits (typed {@link JobRequest}s, group-committed), cancels, reads, start-up and
 * shutdown. The parts: {@link SubmitQueue} (group commit), {@link JobFactory} (validation against the model),
 * {@link Admission} (limits), {@link Dispatcher} (queue and positions), {@link Lifecycle} (persist before emit,
 * event seq), {@link EngineCallbacks} (what the engines report) with {@link ResultWriter} (files),
 * {@link Cancels}, {@link Recovery} (restart, shutdown requeue, retention), {@link JobReads} and {@link JobViews}
 * (the job JSON). Refusals are {@link Rejection}s.
 *
 * <p>Threads: every state change runs on one single-threaded executor ({@code dpm-jobs}), so submits, dispatch,
 * cancels and completions never race. Result files are encoded on {@code dpm-results}, previews on
 * {@code dpm-previews}; engine callbacks only hand work over.
 */
public final class JobService implements AutoCloseable {
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
  private final ModelEngines engines;
  private final JobsThread jobsExec = new JobsThread();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> JobsThread.daemon(r, "dpm-timer"));
  private final JobViews views;
  private final Lifecycle life;
  private final JobFactory factory;
  private final Dispatcher dispatcher;
  private final EngineCallbacks callbacks;
  private final Cancels cancels;
  private final Recovery recovery;
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
    this.cluster = cluster;
    this.views = new JobViews(models);
    this.life = new Lifecycle(store, events, views, this::released); // a retired version's last job
    this.callbacks = new EngineCallbacks(life, new ResultWriter(results, config.dataDir()), jobsExec,
        this::dispatch);
    this.engines = new ModelEngines(config, callbacks, registry);
    for (ServedModel m : cluster == null || cluster.runsJobs() ? models.all() : List.<ServedModel>of()) {
      engines.add(m);
    }
    this.reads = new JobReads(store, life, views, cluster);
    this.factory = new JobFactory(config, models, samplers);
    this.dispatcher = new Dispatcher(config.maxActiveJobs(), config.tenantMaxRunningJobs(), engines, store, life,
        jobsExec, () -> started && accepting, cluster != null);
    this.workers = new Workers(store, factory, life, dispatcher, jobsExec);
    this.cancels = new Cancels(store, life, views, dispatcher, jobsExec, cluster);
    this.recovery = new Recovery(store, results, life, views, workers);
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

  private void released(ServedModel m) {
    engines.stopIfDrained(m);
  }

  private void dispatch() {
    dispatcher.dispatch();
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
      recovery.atStart(cluster != null);
      return null;
    });
    engines.startAll();
    started = true;
    jobsExec.execute(dispatcher::dispatch);
    timer.scheduleWithFixedDelay(() -> jobsExec.offer(dispatcher::expireQueued), 1, 1, TimeUnit.SECONDS);
    if (config.retentionHours() > 0) {
      timer.scheduleWithFixedDelay(() -> jobsExec.offer(() -> recovery.retention(config.retentionHours())), 0, 10, TimeUnit.MINUTES);
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
    callbacks.shutdown();
    try {
      jobsExec.call(() -> {
        recovery.requeue(left);
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
    callbacks.shutdownNow();
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

  // ---------------------------------------------------------------- cancel / read

  /**
   * Cancels a job: a queued job at once, a running job at its next evaluation.
   *
   * @param id job id
   * @return the job once canceled (or with its current state if it has not stopped within the
   *     wait), and whether it is final
   */
  public CompletableFuture<JsonObject> cancel(String id) {
    return cancels.cancel(id);
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

  /** @return jobs not finished (tests) */
  Map<String, JobState> live() {
    return new HashMap<>(life.live);
  }
}
