package dev.dpm.server.jobs;

import dev.dpm.runtime.model.GammaJson;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.api.ProblemException;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.engine.EngineListener;
import dev.dpm.server.models.GammaFiles;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.results.ImageRenderer;
import dev.dpm.server.results.NpyWriter;
import dev.dpm.server.results.ResultStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs: validation of submissions, the durable lifecycle (queued → running → succeeded | failed |
 * canceled, each change committed to the {@link JobStore} before its event is published), the FIFO
 * queue that admits jobs to the per-model {@link BatchEngine}s, cancellation, deadlines, result
 * files, retention and crash recovery.
 *
 * <p>Threads: every state change runs on one single-threaded executor ({@code dpm-jobs}), so
 * submits, dispatch, cancels and completions never race. Result files are encoded on
 * {@code dpm-results}, previews on {@code dpm-previews}; engine callbacks only hand work over.
 */
public final class JobService implements EngineListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
  private static final long SEQ_BLOCK = 1000;
  private static final SecureRandom RANDOM = new SecureRandom();

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
  private final ModelRegistry models;
  private final SamplerFactory samplers;
  private final EventSink events;
  private final Map<String, BatchEngine> engines = new LinkedHashMap<>();
  private final Map<String, JobState> live = new ConcurrentHashMap<>();
  private final LinkedHashMap<String, JobState> queue = new LinkedHashMap<>(); // dpm-jobs only
  private final ExecutorService jobsExec = Executors.newSingleThreadExecutor(r -> thread(r, "dpm-jobs"));
  private final ExecutorService resultsExec = Executors.newSingleThreadExecutor(r -> thread(r, "dpm-results"));
  private final ExecutorService previewExec = Executors.newSingleThreadExecutor(r -> thread(r, "dpm-previews"));
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "dpm-timer"));
  private volatile boolean accepting = true;
  private boolean dispatchScheduled; // dpm-jobs thread only
  private final java.util.concurrent.ConcurrentLinkedQueue<PendingSubmit> pendingSubmits =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile boolean started;
  private final Map<JobStatus, Long> statusCounts = new ConcurrentHashMap<>();

  /** In-memory state of a job that is not finished. */
  static final class JobState {
    volatile JobRecord record;
    final ServedModel model;
    final Sampler sampler;
    final CalibrationPlan calibration;
    final long work;
    volatile int step;
    volatile int total;
    volatile int nfe;
    volatile double fraction;
    volatile double eta = Double.NaN;
    volatile int position = -1;
    volatile EngineJob engineJob;
    long seq; // guarded by this
    boolean terminalEmitted; // guarded by this
    final CompletableFuture<JsonObject> done = new CompletableFuture<>();

    JobState(JobRecord record, ServedModel model, Sampler sampler, CalibrationPlan calibration, long work) {
      this.record = record;
      this.model = model;
      this.sampler = sampler;
      this.calibration = calibration;
      this.work = work;
      this.seq = record.seqReserved();
      this.step = record.progressStep();
      this.total = record.progressTotal();
      this.nfe = record.nfe();
    }
  }

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
    this.config = config;
    this.store = store;
    this.results = results;
    this.models = models;
    this.samplers = samplers;
    this.events = events;
    for (ServedModel m : models.all()) {
      BatchEngine e = new BatchEngine(m.name(), m.predictor(), config.maxBatch(),
          Math.max(1.0, m.context().schedule().steps() / 2.0), this, registry,
          config.progressIntervalMs(), config.previewIntervalMs());
      e.batchWindow(config.batchWindowMs(), config.batchGapMs());
      engines.put(m.name(), e);
    }
    for (JobStatus s : JobStatus.values()) {
      statusCounts.put(s, 0L);
      Gauge.builder("dpm.jobs", statusCounts, m -> m.getOrDefault(s, 0L))
          .description("jobs by status").tag("status", s.wire()).register(registry);
    }
    Gauge.builder("dpm.queue.depth", queue, q -> queuedCount()).description("queued jobs")
        .register(registry);
  }

  private static Thread thread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Recovers (running jobs go back to queued and re-run; queued jobs are queued again), starts and
   * warms up the engines, and starts admitting jobs.
   *
   * @throws SQLException if the store fails
   */
  public void start() throws SQLException {
    call(() -> {
      for (JobRecord r : store.withStatus(JobStatus.RUNNING)) {
        store.update(r.transition(JobStatus.QUEUED, r.startedAt(), null, null, null, 0, r.progressTotal(), 0));
        LOG.info("event=job-requeued job={} reason=restart", r.id());
      }
      for (JobRecord r : store.withStatus(JobStatus.QUEUED)) {
        recover(r);
      }
      refreshCounts();
      return null;
    });
    for (BatchEngine e : engines.values()) {
      e.start(config.warmup());
    }
    started = true;
    jobsExec.execute(this::dispatch);
    timer.scheduleWithFixedDelay(() -> jobsExec.execute(this::expireQueued), 1, 1, TimeUnit.SECONDS);
    if (config.retentionHours() > 0) {
      timer.scheduleWithFixedDelay(() -> jobsExec.execute(this::retention), 0, 10, TimeUnit.MINUTES);
    }
  }

  /** @return true when every engine has warmed up */
  public boolean ready() {
    if (!started || !accepting) {
      return false;
    }
    for (BatchEngine e : engines.values()) {
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

  /** @return the engines by model name */
  public Map<String, BatchEngine> engines() {
    return engines;
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
    while (System.nanoTime() < until && live.values().stream()
        .anyMatch(s -> s.record.status() == JobStatus.RUNNING)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    timer.shutdownNow();
    List<EngineJob> left = new ArrayList<>();
    for (BatchEngine e : engines.values()) {
      left.addAll(e.stop());
    }
    resultsExec.shutdown();
    previewExec.shutdown();
    try {
      resultsExec.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      call(() -> {
        for (EngineJob j : left) {
          JobState st = (JobState) j.attachment();
          if (st.record.status() == JobStatus.RUNNING) {
            JobRecord r = st.record;
            persist(st, r.transition(JobStatus.QUEUED, r.startedAt(), null, null, null, 0, r.progressTotal(), 0));
            emit(st, "queued", new JsonObject().put("position", 0).put("job", toJson(st)), false);
            LOG.info("event=job-requeued job={} reason=shutdown", r.id());
          }
        }
        return null;
      });
    } catch (SQLException e) {
      LOG.error("event=shutdown-requeue-failed error={}", e.toString());
    }
    jobsExec.shutdown();
    try {
      jobsExec.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops abruptly (tests of crash recovery): no state change is written. */
  public void halt() {
    accepting = false;
    timer.shutdownNow();
    for (BatchEngine e : engines.values()) {
      e.stop();
    }
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
   * Validates and stores a sampling job.
   *
   * @param body the validated-by-schema request body
   * @param idempotencyKey the header or null
   * @return the job and whether it is a replay
   * @throws ProblemException 400 (invalid), 409 (key reused), 429 (full), 503 (shutting down)
   */
  public CompletableFuture<Submitted> submit(JsonObject body, String idempotencyKey) {
    return enqueueSubmit(body, idempotencyKey, null);
  }

  /**
   * Validates and stores a calibration job.
   *
   * @param model model name
   * @param body the calibration request
   * @param idempotencyKey the header or null
   * @return the job and whether it is a replay
   */
  public CompletableFuture<Submitted> submitCalibration(String model, JsonObject body, String idempotencyKey) {
    return enqueueSubmit(body, idempotencyKey, model);
  }

  /** A submit waiting for the jobs thread. */
  private record PendingSubmit(JsonObject body, String key, String calibrationModel, CompletableFuture<Submitted> done) {}

  /** The jobs a drain of pending submits creates, inserted with one commit. */
  private static final class SubmitBatch {
    final List<JobState> created = new ArrayList<>();
    final Map<String, JobState> byKey = new HashMap<>();
  }

  private CompletableFuture<Submitted> enqueueSubmit(JsonObject body, String key, String calibrationModel) {
    CompletableFuture<Submitted> f = new CompletableFuture<>();
    pendingSubmits.add(new PendingSubmit(body, key, calibrationModel, f));
    try {
      jobsExec.execute(this::drainSubmits);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      f.completeExceptionally(new ProblemException(503, "unavailable", "Shutting down",
          "the server is shutting down", List.of(), Map.of("Retry-After", "5")));
    }
    return f;
  }

  /**
   * Validates every waiting submit, inserts the new jobs in one transaction (group commit: a burst
   * of submits costs one commit), then announces them and answers the callers. A job is durable
   * before its {@code queued} event and before its 202 (dpm-jobs thread).
   */
  private void drainSubmits() {
    List<PendingSubmit> ps = new ArrayList<>();
    PendingSubmit p;
    while ((p = pendingSubmits.poll()) != null) {
      ps.add(p);
    }
    if (ps.isEmpty()) {
      return;
    }
    SubmitBatch batch = new SubmitBatch();
    List<PendingSubmit> ok = new ArrayList<>();
    List<Submitted> answers = new ArrayList<>();
    for (PendingSubmit q : ps) {
      try {
        answers.add(doSubmit(q.body(), q.key(), q.calibrationModel(), batch));
        ok.add(q);
      } catch (Throwable t) {
        q.done().completeExceptionally(t);
      }
    }
    try {
      store.insertAll(batch.created.stream().map(st -> st.record).toList());
    } catch (SQLException | RuntimeException e) {
      LOG.error("event=submit-failed jobs={} error={}", batch.created.size(), e.toString(), e);
      for (JobState st : batch.created) {
        live.remove(st.record.id());
        queue.remove(st.record.id());
      }
      for (PendingSubmit q : ok) {
        q.done().completeExceptionally(e);
      }
      return;
    }
    for (JobState st : batch.created) {
      JobRecord r = st.record;
      LOG.info("event=job-queued job={} kind={} model={} n={} seed={} sampler={}", r.id(), r.kind().wire(),
          r.model(), r.n(), r.seed(), r.spec().getValue("sampler"));
      emit(st, "queued", new JsonObject().put("position", Math.max(0, st.position)).put("job", toJson(st)), false);
    }
    for (int i = 0; i < ok.size(); i++) {
      ok.get(i).done().complete(answers.get(i));
    }
    requestDispatch();
  }

  private Submitted doSubmit(JsonObject body, String key, String calibrationModel, SubmitBatch batch)
      throws SQLException {
    if (!accepting) {
      throw new ProblemException(503, "unavailable", "Shutting down", "the server is shutting down",
          List.of(), Map.of("Retry-After", "5"));
    }
    String hash = sha256(body.encode() + "|" + calibrationModel);
    if (key != null) {
      JobState inBatch = batch.byKey.get(key);
      Optional<JobRecord> prior = inBatch != null ? Optional.of(inBatch.record) : store.byIdempotencyKey(key);
      if (prior.isPresent()) {
        if (!hash.equals(prior.get().requestHash())) {
          throw new ProblemException(409, "idempotency-key-reused", "Conflict",
              "Idempotency-Key '" + key + "' was used for a different request",
              List.of(new Problem("Idempotency-Key", "already used for a different request")), Map.of());
        }
        return new Submitted(inBatch != null ? toJson(inBatch) : toJson(prior.get()), true);
      }
    }
    List<Problem> problems = new ArrayList<>();
    String modelName = calibrationModel != null ? calibrationModel : body.getString("model");
    ServedModel model = models.get(modelName);
    if (model == null) {
      if (calibrationModel != null) {
        throw ProblemException.notFound("model '" + modelName + "'");
      }
      List<String> names = models.all().stream().map(ServedModel::name).toList();
      throw ProblemException.invalid("model", "unknown model '" + modelName + "' (one of " + String.join(", ", names) + ")");
    }
    JsonObject spec = new JsonObject();
    Sampler sampler = null;
    CalibrationPlan plan = null;
    int n;
    long seed;
    long work;
    if (calibrationModel == null) {
      n = body.getInteger("n", 1);
      if (n > config.maxN()) {
        problems.add(new Problem("n", "at most " + config.maxN() + " samples per job on this server"));
      }
      seed = body.containsKey("seed") ? body.getLong("seed") : RANDOM.nextLong() & Long.MAX_VALUE;
      JsonArray outputs = body.getJsonArray("outputs", new JsonArray().add("npy").add("png"));
      if (outputs.contains("png") && !ImageRenderer.supports(model.spec().sampleShape(), model.spec().dataRange())) {
        problems.add(new Problem("outputs", "png needs an image model or a 2-D model; '" + modelName
            + "' has sample shape " + java.util.Arrays.toString(model.spec().sampleShape())));
      }
      JsonObject samplerJson = body.getJsonObject("sampler");
      SamplerSettings settings = SamplerJson.parse(samplerJson, problems);
      if (settings != null && settings.steps() != null && settings.steps() > config.maxSteps()) {
        problems.add(new Problem("sampler.steps", "at most " + config.maxSteps() + " steps on this server"));
      }
      if (settings != null && problems.isEmpty()) {
        SamplerResult res;
        try {
          res = samplers.create(settings, model.context());
        } catch (RuntimeException e) {
          res = new SamplerResult.Invalid(List.of(new Problem("sampler.name", e.getMessage())));
        }
        if (res instanceof SamplerResult.Invalid inv) {
          for (Problem p : inv.problems()) {
            problems.add(new Problem(samplerField(p.field()), p.message()));
          }
        } else {
          sampler = ((SamplerResult.Ok) res).sampler();
        }
      }
      if (!problems.isEmpty()) {
        throw ProblemException.invalid(problems);
      }
      spec.put("sampler", SamplerJson.toJson(sampler.settings()))
          .put("outputs", outputs)
          .put("previewEvery", body.getInteger("previewEvery", 0))
          .put("deadlineSeconds", body.getValue("deadlineSeconds"));
      Integer steps = sampler.settings().steps();
      work = (long) n * (steps == null ? 100 : steps);
    } else {
      n = body.getInteger("samples", 1000);
      seed = body.getLong("seed", 0L);
      if (n > Math.max(config.maxN(), 100_000)) {
        throw ProblemException.invalid("samples", "at most " + Math.max(config.maxN(), 100_000));
      }
      if ((long) n * model.spec().dimension() > CalibrationPlan.MAX_VALUES) {
        throw ProblemException.invalid("samples", "samples × values per sample must be at most "
            + CalibrationPlan.MAX_VALUES + " (" + model.spec().dimension() + " values per sample)");
      }
      String dataField = body.getString("data");
      Path dataFile = null;
      if (dataField != null) {
        dataFile = resolveData(dataField, model);
      } else if (model.spec().mixture() == null) {
        throw ProblemException.invalid("data", "required for '" + modelName + "': only oracle models can draw exact "
            + "samples; name an npy or IDX file on the server (in the model's folder"
            + (config.calibrationDataDirs().isEmpty() ? "" : " or in " + config.calibrationDataDirs()) + ")");
      }
      boolean install = body.getBoolean("install", false);
      boolean controlVariate = body.getBoolean("controlVariate", false);
      try {
        plan = CalibrationPlan.create(model, n, seed, install, controlVariate, dataFile);
      } catch (IOException e) {
        throw ProblemException.invalid("data", e.getMessage());
      }
      JsonObject cal = new JsonObject().put("samples", n).put("seed", seed).put("install", install)
          .put("controlVariate", controlVariate).put("data", dataFile == null ? null : dataFile.toString());
      spec.put("calibration", cal).put("outputs", new JsonArray().add("json")).put("previewEvery", 0)
          .putNull("deadlineSeconds");
      work = (long) n * model.context().schedule().steps();
    }
    long queuedWork = 0;
    for (JobState s : live.values()) {
      queuedWork += s.work;
    }
    if (live.size() >= config.maxQueuedJobs() || queuedWork + work > config.maxQueuedWork()) {
      long retry = retryAfterSeconds(queuedWork);
      throw new ProblemException(429, "queue-full", "Too many requests",
          "the queue is full (" + live.size() + " jobs, " + queuedWork + " rows of work); retry in " + retry + " s",
          List.of(), Map.of("Retry-After", Long.toString(retry)));
    }
    Instant now = Instant.now();
    int total = calibrationModel == null
        ? (sampler.settings().steps() == null ? 0 : sampler.settings().steps())
        : model.context().schedule().steps();
    JobRecord r = new JobRecord(newId(now), calibrationModel == null ? JobKind.SAMPLE : JobKind.CALIBRATION,
        JobStatus.QUEUED, modelName, model.sha256(), spec, n, seed, key, hash, now, null, null, null, null,
        0, total, 0, SEQ_BLOCK);
    JobState st = new JobState(r.withSeqReserved(SEQ_BLOCK), model, sampler, plan, work);
    st.seq = 0;
    live.put(r.id(), st); // counted by the limits of the next submits of this batch
    queue.put(r.id(), st);
    st.position = queue.size() - 1;
    batch.created.add(st);
    if (key != null) {
      batch.byKey.put(key, st);
    }
    return new Submitted(toJson(st), false);
  }

  /**
   * Resolves the {@code data} of a calibration request: an absolute path, or one relative to the
   * model's folder or to one of {@link ServerConfig#calibrationDataDirs()} (first existing match).
   * The real path (symbolic links followed) must lie inside one of those folders, so a request
   * cannot make the server read arbitrary files.
   */
  private Path resolveData(String data, ServedModel model) {
    List<Path> roots = new ArrayList<>();
    roots.add(model.spec().dir());
    roots.addAll(config.calibrationDataDirs());
    Path given;
    try {
      given = Path.of(data);
    } catch (java.nio.file.InvalidPathException e) {
      throw ProblemException.invalid("data", "not a valid path: " + e.getMessage());
    }
    List<Path> candidates = new ArrayList<>();
    if (given.isAbsolute()) {
      candidates.add(given);
    } else {
      for (Path r : roots) {
        candidates.add(r.resolve(given));
      }
    }
    for (Path c : candidates) {
      if (!java.nio.file.Files.isRegularFile(c)) {
        continue;
      }
      Path real;
      try {
        real = c.toRealPath();
      } catch (IOException e) {
        continue;
      }
      for (Path r : roots) {
        try {
          if (real.startsWith(r.toRealPath())) {
            return real;
          }
        } catch (IOException e) {
          // a configured folder that does not exist allows nothing
        }
      }
      throw ProblemException.invalid("data", "'" + data + "' is outside the folders calibration data may come from "
          + "(the model's folder" + (config.calibrationDataDirs().isEmpty() ? "; configure calibrationDataDirs for more"
          : " and " + config.calibrationDataDirs()) + ")");
    }
    throw ProblemException.invalid("data", "no such file: '" + data + "' (relative paths are looked up in the model's folder"
        + (config.calibrationDataDirs().isEmpty() ? "" : " and " + config.calibrationDataDirs()) + ")");
  }

  private static String samplerField(String f) {
    if (f == null || f.isEmpty()) {
      return "sampler";
    }
    return f.startsWith("sampler") || f.equals("model") || f.equals("n") || f.equals("seed") ? f : "sampler." + f;
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

  private void recover(JobRecord r) throws SQLException {
    ServedModel model = models.get(r.model());
    String why = null;
    Sampler sampler = null;
    CalibrationPlan plan = null;
    long work;
    if (model == null) {
      why = "model '" + r.model() + "' is no longer served";
      work = 0;
    } else if (r.modelSha256() != null && !r.modelSha256().equals(model.sha256())) {
      why = "model '" + r.model() + "' changed since the job was submitted (sha256 " + model.sha256() + ")";
      work = 0;
    } else if (r.kind() == JobKind.SAMPLE) {
      List<Problem> problems = new ArrayList<>();
      SamplerSettings s = SamplerJson.parse(r.spec().getJsonObject("sampler"), problems);
      SamplerResult res = s == null ? new SamplerResult.Invalid(problems) : samplers.create(s, model.context());
      if (res instanceof SamplerResult.Ok ok) {
        sampler = ok.sampler();
      } else {
        why = "its sampler is no longer valid: " + ((SamplerResult.Invalid) res).problems();
      }
      Integer steps = s == null ? null : s.steps();
      work = (long) r.n() * (steps == null ? 100 : steps);
    } else {
      JsonObject cal = r.spec().getJsonObject("calibration");
      String data = cal.getString("data");
      try {
        plan = CalibrationPlan.create(model, r.n(), r.seed(), cal.getBoolean("install", false),
            cal.getBoolean("controlVariate", false), data == null ? null : Path.of(data));
      } catch (IOException e) {
        why = "its calibration data cannot be read any more: " + e.getMessage();
      }
      work = (long) r.n() * model.context().schedule().steps();
    }
    JobState st = new JobState(r, model, sampler, plan, work);
    if (why != null) {
      persist(st, r.transition(JobStatus.FAILED, r.startedAt(), Instant.now(), "internal", why, 0, r.progressTotal(), 0));
      LOG.warn("event=job-failed job={} reason=\"{}\"", r.id(), why);
      return;
    }
    live.put(r.id(), st);
    queue.put(r.id(), st);
    st.position = queue.size() - 1;
    emit(st, "queued", new JsonObject().put("position", st.position).put("job", toJson(st)), false);
  }

  // ---------------------------------------------------------------- dispatch

  /**
   * Schedules one {@link #dispatch} after the tasks already waiting on the jobs thread (dpm-jobs
   * thread only): a burst of submits is admitted together, with one commit for all of them.
   */
  private void requestDispatch() {
    if (!dispatchScheduled) {
      dispatchScheduled = true;
      try {
        jobsExec.execute(() -> {
          dispatchScheduled = false;
          dispatch();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        dispatchScheduled = false; // shutting down
      }
    }
  }

  /**
   * Admits queued jobs to engines with room (dpm-jobs thread): their processes are created, their
   * {@code running} status is committed in one transaction, and only then are they announced and
   * handed to the engines.
   */
  private void dispatch() {
    if (!started || !accepting) {
      return;
    }
    Map<String, Integer> room = new HashMap<>();
    List<JobState> starting = new ArrayList<>();
    List<EngineJob> engineJobs = new ArrayList<>();
    for (java.util.Iterator<JobState> it = queue.values().iterator(); it.hasNext(); ) {
      JobState st = it.next();
      String model = st.record.model();
      int free = room.computeIfAbsent(model, m -> config.maxActiveJobs() - engines.get(m).jobCount());
      if (free <= 0) {
        continue;
      }
      it.remove();
      try {
        engineJobs.add(engineJob(st));
        starting.add(st);
        room.put(model, free - 1);
      } catch (RuntimeException e) {
        LOG.error("event=job-start-failed job={} error={}", st.record.id(), e.toString(), e);
        finishFailed(st, "internal", "could not start: " + e.getMessage());
      }
    }
    if (!starting.isEmpty()) {
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
          finishFailed(st, "internal", "could not start: " + e.getMessage());
        }
        starting.clear();
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
        emit(st, "started", new JsonObject().put("job", toJson(st)), false);
        LOG.info("event=job-started job={} model={}", st.record.id(), st.record.model());
        EngineJob ej = engineJobs.get(i);
        st.engineJob = ej;
        engines.get(st.record.model()).submit(ej);
      }
      int pos = 0;
      for (JobState st : queue.values()) {
        if (st.position != pos) {
          st.position = pos;
          if (pos < 200) {
            emit(st, "queued", new JsonObject().put("position", pos), false);
          }
        }
        pos++;
      }
    }
    refreshCounts();
  }

  /** The engine's view of a job about to start: one process per sample (or calibration row). */
  private EngineJob engineJob(JobState st) {
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
    Number deadline = (Number) r.spec().getValue("deadlineSeconds");
    long deadlineMs = deadline == null ? 0
        : r.createdAt().toEpochMilli() + (long) Math.ceil(deadline.doubleValue() * 1000);
    return new EngineJob(r.id(), procs, r.spec().getInteger("previewEvery", 0), deadlineMs, st);
  }

  private void expireQueued() {
    long now = System.currentTimeMillis();
    for (java.util.Iterator<JobState> it = queue.values().iterator(); it.hasNext(); ) {
      JobState st = it.next();
      Number deadline = (Number) st.record.spec().getValue("deadlineSeconds");
      if (deadline != null && now > st.record.createdAt().toEpochMilli() + deadline.doubleValue() * 1000) {
        it.remove();
        finishFailed(st, "deadline-exceeded", "the job's deadline passed before it started");
      }
    }
  }

  private void retention() {
    try {
      Instant cutoff = Instant.now().minusMillis((long) (config.retentionHours() * 3600_000));
      for (String id : store.deleteFinishedBefore(cutoff)) {
        results.delete(id);
        LOG.info("event=job-deleted job={} reason=retention", id);
      }
      refreshCounts();
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
    emit(st, "progress", progressFields(st), false);
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
        emit(st, "preview", new JsonObject().put("step", step).put("total", st.total)
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
          writeResults(st, samples);
          jobsExec.execute(() -> {
            try {
              JobRecord r = st.record;
              persist(st, r.transition(JobStatus.SUCCEEDED, r.startedAt(), Instant.now(), null, null, total, total, nfe));
              if (st.calibration != null && st.calibration.install()) {
                st.calibration.installInto();
              }
              terminal(st, "succeeded", null);
              LOG.info("event=job-succeeded job={} nfe={} ms={}", r.id(), nfe,
                  st.record.finishedAt().toEpochMilli() - r.startedAt().toEpochMilli());
            } catch (SQLException e) {
              LOG.error("event=job-persist-failed job={} error={}", st.record.id(), e.toString());
            }
            dispatch();
          });
        } catch (Exception e) {
          LOG.error("event=result-write-failed job={} error={}", st.record.id(), e.toString(), e);
          jobsExec.execute(() -> {
            finishFailed(st, "internal", "could not write results: " + e.getMessage());
            dispatch();
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
      finishFailed(st, code, message);
      dispatch();
    });
  }

  @Override
  public void onCanceled(EngineJob job) {
    JobState st = (JobState) job.attachment();
    onJobsThread(() -> {
      try {
        JobRecord r = st.record;
        persist(st, r.transition(JobStatus.CANCELED, r.startedAt(), Instant.now(), "canceled",
            "canceled by request", st.step, st.total, st.nfe));
        terminal(st, "canceled", null);
        LOG.info("event=job-canceled job={} step={}", r.id(), st.step);
      } catch (SQLException e) {
        LOG.error("event=job-persist-failed job={} error={}", st.record.id(), e.toString());
      }
      dispatch();
    });
  }

  private void onJobsThread(Runnable r) {
    try {
      jobsExec.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.warn("event=state-change-dropped reason=shutdown");
    }
  }

  private void writeResults(JobState st, float[][] samples) throws Exception {
    JobRecord r = st.record;
    Map<String, byte[]> files = new LinkedHashMap<>();
    if (st.calibration != null) {
      Gamma gamma = st.calibration.result();
      files.put(ResultStore.GAMMA, (GammaJson.toJson(gamma).toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
      if (st.calibration.install()) {
        // durable before the job is marked succeeded: a crash in between re-runs the job, which
        // writes the same Γ again
        Path where = GammaFiles.write(gamma, st.model, config.dataDir());
        st.calibration.written(gamma, where);
        LOG.info("event=gamma-written job={} model={} file={}", r.id(), st.model.name(), where);
      }
    } else {
      JsonArray outputs = r.spec().getJsonArray("outputs");
      int[] shape = st.model.spec().sampleShape();
      if (outputs.contains("npy")) {
        files.put(ResultStore.NPY, NpyWriter.encode(samples, shape));
      }
      if (outputs.contains("png")) {
        ImageRenderer img = new ImageRenderer(shape, st.model.spec().dataRange());
        files.put(ResultStore.GRID, img.grid(samples));
        if (img.perSample()) {
          for (int i = 0; i < samples.length; i++) {
            files.put(ResultStore.samplePng(i), img.single(samples[i]));
          }
        }
      }
    }
    results.write(r.id(), files);
  }

  private void finishFailed(JobState st, String code, String message) {
    try {
      JobRecord r = st.record;
      if (r.status().terminal()) {
        return;
      }
      persist(st, r.transition(JobStatus.FAILED, r.startedAt(), Instant.now(), code, message, st.step, st.total, st.nfe));
      terminal(st, "failed", new JsonObject().put("code", code).put("message", message));
    } catch (SQLException e) {
      LOG.error("event=job-persist-failed job={} error={}", st.record.id(), e.toString());
    }
  }

  private void terminal(JobState st, String type, JsonObject error) {
    live.remove(st.record.id());
    queue.remove(st.record.id());
    refreshCounts();
    JsonObject job = toJson(st);
    JsonObject fields = new JsonObject().put("job", job);
    if (error != null) {
      fields.put("error", error);
    }
    emit(st, type, fields, true);
    st.done.complete(job);
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
    return async(() -> {
      JobState st = live.get(id);
      if (st == null) {
        JobRecord r = store.get(id).orElseThrow(() -> ProblemException.notFound("job '" + id + "'"));
        if (r.status() == JobStatus.CANCELED) {
          return toJson(r);
        }
        throw ProblemException.conflict("job '" + id + "' already " + r.status().wire());
      }
      if (st.record.status() == JobStatus.QUEUED) {
        queue.remove(id);
        JobRecord r = st.record;
        persist(st, r.transition(JobStatus.CANCELED, null, Instant.now(), "canceled", "canceled by request", 0, r.progressTotal(), 0));
        terminal(st, "canceled", null);
        dispatch();
        return toJson(st);
      }
      if (st.engineJob != null) {
        st.engineJob.cancel();
      }
      return null;
    }).thenCompose(j -> {
      if (j != null) {
        return CompletableFuture.completedFuture(j);
      }
      JobState st = live.get(id);
      if (st == null) { // finished in between
        return async(() -> toJson(store.get(id).orElseThrow()));
      }
      return st.done.copy().completeOnTimeout(null, 5, TimeUnit.SECONDS)
          .thenApply(done -> done != null ? done : toJson(st));
    });
  }

  /**
   * @param id job id
   * @return the job JSON
   * @throws ProblemException 404
   * @throws SQLException on store failure
   */
  public JsonObject get(String id) throws SQLException {
    JobState st = live.get(id);
    if (st != null) {
      return toJson(st);
    }
    return toJson(store.get(id).orElseThrow(() -> ProblemException.notFound("job '" + id + "'")));
  }

  /**
   * The current state for a subscriber: the job, its latest seq, and the event type that describes it.
   *
   * @param id job id
   * @return {@code {seq, type, job}}, or empty if no such job
   * @throws SQLException on store failure
   */
  public Optional<JsonObject> stateEvent(String id) throws SQLException {
    JobState st = live.get(id);
    if (st != null) {
      synchronized (st) {
        JsonObject job = toJson(st);
        String type = switch (st.record.status()) {
          case QUEUED -> "queued";
          case RUNNING -> "progress";
          default -> st.record.status().wire();
        };
        JsonObject e = new JsonObject().put("seq", st.seq).put("jobId", id).put("type", type).put("job", job);
        if (type.equals("progress")) {
          e.mergeIn(progressFields(st));
        }
        if (type.equals("queued")) {
          e.put("position", Math.max(0, st.position));
        }
        return Optional.of(e);
      }
    }
    Optional<JobRecord> r = store.get(id);
    if (r.isEmpty()) {
      return Optional.empty();
    }
    JobRecord rec = r.get();
    JsonObject e = new JsonObject().put("seq", rec.seqReserved()).put("jobId", id)
        .put("type", rec.status().terminal() ? rec.status().wire() : "queued").put("job", toJson(rec));
    if (rec.status() == JobStatus.FAILED) {
      e.put("error", new JsonObject().put("code", rec.errorCode()).put("message", rec.errorMessage()));
    }
    return Optional.of(e);
  }

  /**
   * @param id job id
   * @return the stored record, if any
   * @throws SQLException on store failure
   */
  public Optional<JobRecord> record(String id) throws SQLException {
    JobState st = live.get(id);
    return st != null ? Optional.of(st.record) : store.get(id);
  }

  /**
   * A page of jobs, newest first.
   *
   * @param status filter or null
   * @param limit page size
   * @param cursor cursor or null
   * @return the page
   * @throws SQLException on store failure
   */
  public Page list(JobStatus status, int limit, String cursor) throws SQLException {
    Long afterCreated = null;
    String afterId = null;
    if (cursor != null) {
      try {
        String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        int colon = s.indexOf(':');
        afterCreated = Long.parseLong(s.substring(0, colon));
        afterId = s.substring(colon + 1);
      } catch (RuntimeException e) {
        throw ProblemException.invalid("cursor", "not a cursor returned by this server");
      }
    }
    List<JobRecord> rows = store.page(status, limit + 1, afterCreated, afterId);
    List<JsonObject> items = new ArrayList<>();
    for (int i = 0; i < Math.min(limit, rows.size()); i++) {
      JobState st = live.get(rows.get(i).id());
      items.add(st != null ? toJson(st) : toJson(rows.get(i)));
    }
    String next = null;
    if (rows.size() > limit) {
      JobRecord last = rows.get(limit - 1);
      next = Base64.getUrlEncoder().withoutPadding().encodeToString(
          (last.createdAt().toEpochMilli() + ":" + last.id()).getBytes(StandardCharsets.UTF_8));
    }
    return new Page(items, next);
  }

  /** @return number of queued jobs */
  public int queuedCount() {
    int q = 0;
    for (JobState s : live.values()) {
      if (s.record.status() == JobStatus.QUEUED) {
        q++;
      }
    }
    return q;
  }

  // ---------------------------------------------------------------- events and persistence

  private void persist(JobState st, JobRecord next) throws SQLException {
    synchronized (st) {
      JobRecord withSeq = next.withSeqReserved(st.record.seqReserved());
      store.update(withSeq);
      st.record = withSeq;
    }
  }

  /** Assigns the next seq (reserving a block in the store when needed) and publishes. */
  private void emit(JobState st, String type, JsonObject fields, boolean terminal) {
    synchronized (st) {
      if (st.terminalEmitted) {
        return;
      }
      long seq = ++st.seq;
      if (seq > st.record.seqReserved()) {
        JobRecord r = st.record.withSeqReserved(seq + SEQ_BLOCK);
        try {
          store.update(r);
          st.record = r;
        } catch (SQLException e) {
          LOG.error("event=seq-reserve-failed job={} error={}", r.id(), e.toString());
        }
      }
      if (terminal) {
        st.terminalEmitted = true;
      }
      JsonObject e = new JsonObject().put("seq", seq).put("jobId", st.record.id()).put("type", type);
      e.mergeIn(fields);
      events.publish(st.record.id(), e, terminal);
    }
  }

  private static JsonObject progressFields(JobState st) {
    double eta = st.eta;
    return new JsonObject().put("step", st.step).put("total", st.total).put("nfe", st.nfe)
        .put("fraction", st.fraction).put("etaSeconds", Double.isFinite(eta) ? eta : null);
  }

  private void refreshCounts() {
    try {
      statusCounts.putAll(store.countByStatus());
    } catch (SQLException e) {
      LOG.warn("event=count-failed error={}", e.toString());
    }
  }

  // ---------------------------------------------------------------- JSON

  private JsonObject toJson(JobState st) {
    JsonObject o = toJson(st.record);
    if (!st.record.status().terminal()) {
      o.put("progress", progressFields(st));
      o.put("queuePosition", st.record.status() == JobStatus.QUEUED ? Math.max(0, st.position) : null);
    }
    return o;
  }

  /**
   * @param r a stored job
   * @return its API JSON
   */
  public JsonObject toJson(JobRecord r) {
    JsonObject spec = r.spec();
    boolean ok = r.status() == JobStatus.SUCCEEDED;
    double fraction = ok ? 1.0 : (r.progressTotal() > 0 ? Math.min(1.0, (double) r.progressStep() / r.progressTotal()) : 0);
    JsonObject o = new JsonObject()
        .put("id", r.id())
        .put("kind", r.kind().wire())
        .put("status", r.status().wire())
        .put("model", r.model())
        .put("modelSha256", r.modelSha256())
        .put("sampler", spec.getValue("sampler"))
        .put("calibration", spec.getValue("calibration"))
        .put("n", r.n())
        .put("seed", r.seed())
        .put("outputs", spec.getValue("outputs"))
        .put("previewEvery", spec.getInteger("previewEvery", 0))
        .put("deadlineSeconds", spec.getValue("deadlineSeconds"))
        .put("progress", new JsonObject().put("step", r.progressStep()).put("total", r.progressTotal())
            .put("nfe", r.nfe()).put("fraction", fraction).put("etaSeconds", ok ? 0.0 : null))
        .put("queuePosition", null)
        .put("createdAt", r.createdAt().toString())
        .put("startedAt", r.startedAt() == null ? null : r.startedAt().toString())
        .put("finishedAt", r.finishedAt() == null ? null : r.finishedAt().toString())
        .put("error", r.errorCode() == null ? null
            : new JsonObject().put("code", r.errorCode()).put("message", r.errorMessage()))
        .put("results", ok ? links(r) : null);
    return o;
  }

  private JsonObject links(JobRecord r) {
    String base = "/v1/jobs/" + r.id() + "/result?format=";
    JsonObject l = new JsonObject();
    JsonArray outputs = r.spec().getJsonArray("outputs", new JsonArray());
    if (outputs.contains("npy")) {
      l.put("npy", base + "npy");
    }
    if (outputs.contains("png")) {
      l.put("png", base + "png");
      ServedModel m = models.get(r.model());
      if (m != null && ImageRenderer.isImage(m.spec().sampleShape(), m.spec().dataRange())) {
        l.put("samplePng", base + "png&index={index}");
      }
    }
    if (outputs.contains("json")) {
      l.put("json", base + "json");
    }
    return l;
  }

  // ---------------------------------------------------------------- helpers

  /** A blocking action on the jobs thread. */
  @FunctionalInterface
  private interface Action<T> {
    T run() throws Exception;
  }

  private <T> CompletableFuture<T> async(Action<T> a) {
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      jobsExec.execute(() -> {
        try {
          f.complete(a.run());
        } catch (Throwable t) {
          f.completeExceptionally(t);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      f.completeExceptionally(new ProblemException(503, "unavailable", "Shutting down",
          "the server is shutting down", List.of(), Map.of("Retry-After", "5")));
    }
    return f;
  }

  private <T> T call(Action<T> a) throws SQLException {
    try {
      return async(a).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof SQLException s) {
        throw s;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new SQLException(e.getCause());
    }
  }

  private static String newId(Instant now) {
    String t = Long.toString(now.toEpochMilli(), 36);
    StringBuilder sb = new StringBuilder("j_").append(t);
    String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 0; i < 10; i++) {
      sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static String sha256(String s) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (byte b : h) {
        sb.append(String.format("%02x", b));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** @return jobs not finished (tests) */
  Map<String, JobState> live() {
    return new HashMap<>(live);
  }
}
