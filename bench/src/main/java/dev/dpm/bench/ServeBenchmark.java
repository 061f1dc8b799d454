package dev.dpm.bench;

import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.DpmServer;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.DefaultModelSource;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The serving benchmark ({@code ./dpm bench serve}): the real server, started in-process on a free
 * port with one TorchScript model, driven over HTTP with progress and completion taken from the
 * {@code /v1/events} WebSocket, in three scenarios of the same work (J samples, K steps each):
 *
 * <ol>
 *   <li>(a) J concurrent single-sample jobs, step-level batching on (maximum batch B);
 *   <li>(b) one J-sample job (the best case for batching: one job, full batches);
 *   <li>(c) the J concurrent single-sample jobs on a server with maximum batch 1 (batching off).
 * </ol>
 *
 * <p>Reported per scenario: wall time from the first submit to the last terminal event (median of
 * R repeats), throughput J/wall in samples per second, mean rows per network evaluation (from the
 * server's {@code dpm.batch.rows} metric), and the latency from submitting a job to receiving its
 * first {@code progress} event (median and 95th percentile over every job of every repeat). The
 * target is throughput(a) ≥ 85% of throughput(b).
 *
 * <p>Server overhead per step: the server's wall time per network evaluation in (b) (batch J) and
 * (c) (batch 1) against a bare {@link NoisePredictor#predictEps} of the same predictor at the same
 * batch size (measured between the repeats while the server is idle), and against the time the
 * engine itself spent in {@code predictEps} during those runs; the difference is everything the
 * server adds: HTTP, job bookkeeping, the store, packing rows, the samplers' arithmetic, events and
 * the result files.
 */
public final class ServeBenchmark {
  /** The Markdown section this benchmark owns in {@code BENCHMARKS.md}. */
  public static final String SECTION = "## Serving";

  private ServeBenchmark() {}

  /**
   * What to run.
   *
   * @param modelDir the model folder (a TorchScript model)
   * @param sampler sampler wire name (e.g. {@code ddim})
   * @param steps K, sampler steps
   * @param jobs J, the concurrent jobs of (a) and (c), and the samples of (b)
   * @param repeats R, measured repeats of each scenario (after one warm-up run)
   * @param maxBatch B, the maximum batch of (a) and (b)
   * @param device {@code cpu}, {@code gpu}, {@code gpu:N} or {@code auto}
   * @param threads libtorch intra-op threads (0 = libtorch's default, one per core)
   */
  public record Options(Path modelDir, String sampler, int steps, int jobs, int repeats, int maxBatch, String device,
      int threads) {
    /** Validates. */
    public Options {
      if (steps < 2 || jobs < 1 || repeats < 1 || maxBatch < 1 || threads < 0) {
        throw new IllegalArgumentException("need steps >= 2, jobs >= 1, repeats >= 1, maxBatch >= 1, threads >= 0");
      }
      if (maxBatch < jobs) {
        throw new IllegalArgumentException("maxBatch (" + maxBatch + ") must be at least jobs (" + jobs
            + ") so that one evaluation can hold every job's row");
      }
    }
  }

  /**
   * One scenario's measurements.
   *
   * @param name label
   * @param jobs jobs per run
   * @param n samples per job
   * @param maxBatch the server's maximum batch
   * @param wallSeconds wall time of each repeat
   * @param latenciesMs submit-to-first-progress of every job of every repeat
   * @param meanRows mean rows per network evaluation
   * @param evaluations network evaluations per repeat (mean)
   * @param networkMs time inside {@code predictEps} per evaluation on the engine thread (median over
   *     repeats of the mean)
   */
  public record Scenario(String name, int jobs, int n, int maxBatch, double[] wallSeconds, double[] latenciesMs,
      double meanRows, double evaluations, double networkMs) {
    /** @return median wall time, seconds */
    public double wall() {
      return median(wallSeconds);
    }

    /** @return samples per second at the median wall time */
    public double throughput() {
      return jobs * n / wall();
    }

    /** @return median submit-to-first-progress latency, ms */
    public double latencyMedian() {
      return median(latenciesMs);
    }

    /** @return 95th percentile submit-to-first-progress latency, ms */
    public double latencyP95() {
      return percentile(latenciesMs, 0.95);
    }
  }

  /**
   * The whole result.
   *
   * @param options what ran
   * @param spec the model's manifest
   * @param device where the model ran
   * @param concurrent scenario (a)
   * @param single scenario (b)
   * @param unbatched scenario (c)
   * @param bareBatchMs bare {@code predictEps} of J rows, median ms
   * @param bareOneMs bare {@code predictEps} of 1 row, median ms
   */
  public record Result(Options options, ModelSpec spec, String device, Scenario concurrent, Scenario single,
      Scenario unbatched, double bareBatchMs, double bareOneMs) {
    /** @return throughput(a) / throughput(b) */
    public double ratio() {
      return concurrent.throughput() / single.throughput();
    }

    /**
     * @return the median over repeats of throughput(a)/throughput(b) of the same repeat (each pair
     *     runs back to back, so a slow phase of a shared machine hits both)
     */
    public double pairedRatio() {
      int n = Math.min(concurrent.wallSeconds().length, single.wallSeconds().length);
      double[] r = new double[n];
      for (int i = 0; i < n; i++) {
        r[i] = single.wallSeconds()[i] / concurrent.wallSeconds()[i]; // same samples: ratio of throughputs
      }
      return median(r);
    }

    /** @return whether (a) reaches 85% of (b) */
    public boolean met() {
      return ratio() >= 0.85;
    }

    /** @return server wall time per evaluation in (b), ms */
    public double serverBatchMs() {
      return 1e3 * single.wall() / single.evaluations();
    }

    /** @return server wall time per evaluation in (c), ms */
    public double serverOneMs() {
      return 1e3 * unbatched.wall() / unbatched.evaluations();
    }
  }

  /**
   * The default model: {@code fashion-mnist-uncond} (the unconditional U-Net, on which BENCHMARKS.md's serving
   * numbers were measured) in the models folder when it is there, else the {@code tiny-conv} test fixture.
   *
   * @return the model folder
   */
  public static Path defaultModel() {
    Path fm = ModelLoader.defaultModelsDir().resolve("fashion-mnist-uncond");
    if (Files.isRegularFile(fm.resolve("model.json"))) {
      return fm;
    }
    String root = System.getProperty(ModelLoader.ROOT_PROPERTY, ".");
    return Path.of(root, "runtime", "src", "test", "resources", "fixtures", "tiny-conv");
  }

  /**
   * Runs the three scenarios.
   *
   * @param o options
   * @param log progress lines (stderr)
   * @return the measurements
   * @throws Exception if the server cannot start or a job fails
   */
  public static Result run(Options o, PrintWriter log) throws Exception {
    ModelSpec spec = ModelSpec.read(o.modelDir());
    Path data = Files.createTempDirectory("dpm-bench-serve");
    try {
      Scenario a;
      Scenario b;
      double bareBatch;
      double bareOne;
      String device;
      try (Bench s = new Bench(o, spec, data.resolve("batched"), o.maxBatch(), log)) {
        device = s.server.models().get(spec.name()).device();
        log.printf(Locale.ROOT, "bench serve: %s on %s, %s K=%d, J=%d, B=%d, %d repeats%n", spec.name(), device,
            o.sampler(), o.steps(), o.jobs(), o.maxBatch(), o.repeats());
        log.flush();
        // not reported: JIT, the network at these batch sizes, the client's connection pool
        s.scenario("warm-up (b)", 1, o.jobs(), 0, 1000);
        s.scenario("warm-up (a)", o.jobs(), 1, 0, 1100);
        List<Run> runsA = new ArrayList<>();
        List<Run> runsB = new ArrayList<>();
        NoisePredictor p = s.server.models().get(spec.name()).predictor();
        List<Double> bareB = new ArrayList<>();
        List<Double> bare1 = new ArrayList<>();
        for (int r = 0; r < o.repeats(); r++) { // interleaved, so drifts of a shared machine hit all alike
          runsB.add(s.scenario("(b)", 1, o.jobs(), r, 2000 + r));
          runsA.add(s.scenario("(a)", o.jobs(), 1, r, 3000 + r * 100));
          bareB.addAll(bare(p, o.jobs(), spec.schedule().steps(), BARE_RUNS));
          bare1.addAll(bare(p, 1, spec.schedule().steps(), BARE_RUNS));
        }
        a = scenario("(a) " + o.jobs() + " concurrent single-sample jobs", o.jobs(), 1, o.maxBatch(), runsA);
        b = scenario("(b) one " + o.jobs() + "-sample job", 1, o.jobs(), o.maxBatch(), runsB);
        bareBatch = median(bareB.stream().mapToDouble(Double::doubleValue).toArray());
        bareOne = median(bare1.stream().mapToDouble(Double::doubleValue).toArray());
      }
      List<Run> runsC = new ArrayList<>();
      try (Bench s = new Bench(o, spec, data.resolve("unbatched"), 1, log)) {
        s.scenario("warm-up (c)", o.jobs(), 1, 0, 1100);
        for (int r = 0; r < o.repeats(); r++) {
          runsC.add(s.scenario("(c)", o.jobs(), 1, r, 3000 + r * 100));
        }
      }
      Scenario c = scenario("(c) " + o.jobs() + " concurrent single-sample jobs, batching off", o.jobs(), 1, 1, runsC);
      return new Result(o, spec, device, a, b, c, bareBatch, bareOne);
    } finally {
      deleteTree(data);
    }
  }

  /** One repeat of a scenario. */
  private record Run(double wallSeconds, double[] latenciesMs, double meanRows, long evaluations, double networkMs,
      double submitMs) {}

  private static Scenario scenario(String name, int jobs, int n, int maxBatch, List<Run> runs) {
    double[] walls = runs.stream().mapToDouble(Run::wallSeconds).toArray();
    double[] lat = runs.stream().flatMapToDouble(r -> Arrays.stream(r.latenciesMs())).toArray();
    double rows = runs.stream().mapToDouble(Run::meanRows).average().orElse(0);
    double evals = runs.stream().mapToLong(Run::evaluations).average().orElse(0);
    double net = median(runs.stream().mapToDouble(r -> r.networkMs() / Math.max(1, r.evaluations())).toArray());
    return new Scenario(name, jobs, n, maxBatch, walls, lat, rows, evals, net);
  }

  /** Bare evaluations measured after each repeat. */
  static final int BARE_RUNS = 3;

  /** Wall times of {@code runs} bare evaluations of {@code batch} rows (after one unmeasured), ms. */
  private static List<Double> bare(NoisePredictor p, int batch, int steps, int runs) {
    int d = p.dimension();
    float[] x = new float[batch * d];
    float[] row = new float[d];
    double[] t = new double[batch];
    NoiseSource noise = new NoiseSource(5);
    for (int i = 0; i < batch; i++) {
      noise.gaussian(i, 0, row);
      System.arraycopy(row, 0, x, i * d, d);
      t[i] = steps / 2.0;
    }
    p.predictEps(x, t, batch); // warm-up
    List<Double> ms = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      p.predictEps(x, t, batch);
      ms.add((System.nanoTime() - t0) / 1e6);
    }
    return ms;
  }

  /** A running server with an event subscription. */
  private static final class Bench implements AutoCloseable {
    final Options o;
    final ModelSpec spec;
    final DpmServer server;
    final String base;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    final Map<String, Long> firstProgress = new ConcurrentHashMap<>();
    final Map<String, Long> terminal = new ConcurrentHashMap<>();
    final Map<String, String> terminalType = new ConcurrentHashMap<>();
    final WebSocket ws;

    final PrintWriter log;

    Bench(Options o, ModelSpec spec, Path data, int maxBatch, PrintWriter log) throws Exception {
      this.o = o;
      this.log = log;
      this.spec = spec;
      Path dir = o.modelDir().toAbsolutePath().normalize();
      ServerConfig cfg = ServerConfig.builder().host("127.0.0.1").port(0).dataDir(data)
          .modelsDir(dir.getParent()).models(List.of(dir.getFileName().toString())).device(o.device())
          .maxBatch(maxBatch).maxActiveJobs(Math.max(64, o.jobs())).retentionHours(0).shutdownGraceSeconds(0)
          .intraOpThreads(o.threads()).build();
      server = DpmServer.start(cfg, new DefaultModelSource(), Samplers::create);
      try {
        if (!server.awaitReady(600_000)) {
          throw new IllegalStateException("the server did not get ready");
        }
        base = "http://127.0.0.1:" + server.port();
        ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/events"),
            new Listener()).get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        server.close();
        throw e;
      }
    }

    /** Collects first-progress and terminal times per job. */
    final class Listener implements WebSocket.Listener {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket w, CharSequence text, boolean last) {
        long now = System.nanoTime();
        partial.append(text);
        if (last) {
          JsonObject e = new JsonObject(partial.toString());
          partial.setLength(0);
          String id = e.getString("jobId");
          String type = e.getString("type");
          if ("progress".equals(type)) {
            firstProgress.putIfAbsent(id, now);
          } else if ("succeeded".equals(type) || "failed".equals(type) || "canceled".equals(type)) {
            terminalType.put(id, type);
            terminal.put(id, now);
          }
        }
        w.request(1);
        return null;
      }
    }

    /** Submits {@code jobs} jobs of {@code n} samples at once and waits for all of them. */
    Run scenario(String label, int jobs, int n, int repeat, long seed) throws Exception {
      HistogramSnapshot before = rows();
      double netBefore = network();
      long[] submitted = new long[jobs];
      List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        String body = new JsonObject().put("model", spec.name())
            .put("sampler", new JsonObject().put("name", o.sampler()).put("steps", o.steps()))
            .put("n", n).put("seed", seed + i).put("outputs", new io.vertx.core.json.JsonArray().add("npy")).encode();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/jobs")).timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        submitted[i] = System.nanoTime();
        futures.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
      }
      String[] ids = new String[jobs];
      long firstCreated = Long.MAX_VALUE;
      long lastCreated = Long.MIN_VALUE;
      for (int i = 0; i < jobs; i++) {
        HttpResponse<String> r = futures.get(i).get(60, TimeUnit.SECONDS);
        if (r.statusCode() != 202) {
          throw new IllegalStateException("submit failed: " + r.statusCode() + " " + r.body());
        }
        JsonObject job = new JsonObject(r.body());
        ids[i] = job.getString("id");
        long created = java.time.Instant.parse(job.getString("createdAt")).toEpochMilli();
        firstCreated = Math.min(firstCreated, created);
        lastCreated = Math.max(lastCreated, created);
      }
      long allSubmitted = System.nanoTime();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
      while (!Arrays.stream(ids).allMatch(terminal::containsKey)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(label + ": jobs did not finish in 30 minutes");
        }
        Thread.sleep(2);
      }
      long first = Arrays.stream(submitted).min().orElseThrow();
      long last = Arrays.stream(ids).mapToLong(terminal::get).max().orElseThrow();
      double[] lat = new double[jobs];
      for (int i = 0; i < jobs; i++) {
        if (!"succeeded".equals(terminalType.get(ids[i]))) {
          throw new IllegalStateException(label + ": job " + ids[i] + " " + terminalType.get(ids[i]));
        }
        Long p = firstProgress.get(ids[i]);
        lat[i] = p == null ? Double.NaN : (p - submitted[i]) / 1e6;
      }
      HistogramSnapshot after = rows();
      double evals = after.count() - before.count();
      double meanRows = evals == 0 ? 0 : (after.total() - before.total()) / evals;
      Run run = new Run((last - first) / 1e9, Arrays.stream(lat).filter(Double::isFinite).toArray(), meanRows,
          (long) evals, network() - netBefore, (allSubmitted - first) / 1e6);
      log.printf(Locale.ROOT, "bench serve: %s repeat %d: %d jobs × %d submitted in %.0f ms (created over %d ms), done in "
          + "%.2f s, %d evaluations (%.1f rows, %.1f ms in the network each)%n", label, repeat, jobs, n, run.submitMs(),
          lastCreated - firstCreated, run.wallSeconds(),
          run.evaluations(), run.meanRows(), run.networkMs() / Math.max(1, run.evaluations()));
      log.flush();
      return run;
    }

    /** Total time the engine spent in predictEps so far, ms. */
    private double network() {
      return server.registry().get("dpm.evaluation").tag("model", spec.name()).timer()
          .totalTime(TimeUnit.MILLISECONDS);
    }

    private HistogramSnapshot rows() {
      return server.registry().get("dpm.batch.rows").tag("model", spec.name()).summary().takeSnapshot();
    }

    @Override
    public void close() {
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // closing anyway
      }
      server.close();
    }
  }

  // ---------------------------------------------------------------- report

  /**
   * The Markdown section.
   *
   * @param r the result
   * @param command the command line that produced it
   * @return the section, starting with {@link #SECTION}
   */
  public static String markdown(Result r, String command) {
    Options o = r.options();
    StringBuilder sb = new StringBuilder();
    sb.append(SECTION).append("\n\n");
    sb.append("Command: `").append(command).append("`  \n");
    sb.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
        .append(cpuModel()).append(", Java ").append(System.getProperty("java.version"))
        .append(", DJL PyTorch engine (libtorch 2.7.1), device ").append(r.device()).append(", intra-op threads ")
        .append(o.threads() == 0 ? "libtorch default" : Integer.toString(o.threads())).append("; ")
        .append(LocalDate.now()).append("  \n");
    sb.append("Model: `").append(r.spec().name()).append("` (").append(Arrays.toString(r.spec().sampleShape()))
        .append(", ").append(parameters(r.spec()))
        .append(" parameters, TorchScript). Every job: `").append(o.sampler()).append("`, ").append(o.steps())
        .append(" steps, outputs npy. The server runs in-process on a free port and is driven over HTTP; ")
        .append("completion and progress come from the `/v1/events` WebSocket.  \n");
    sb.append("Wall time: first submit to last terminal event, median of ").append(o.repeats())
        .append(" repeats after one warm-up run of each ((a) and (b) interleaved). Latency: submit to the job's first ")
        .append("`progress` event, over every job of every repeat.\n\n");
    sb.append("| scenario | jobs × samples | max batch | evaluations | mean rows per evaluation | wall (s) "
        + "| throughput (samples/s) | vs (b) | first progress, median (ms) | p95 (ms) |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Scenario s : List.of(r.concurrent(), r.single(), r.unbatched())) {
      sb.append(String.format(Locale.ROOT, "| %s | %d × %d | %d | %.0f | %.1f | %.2f | %.2f | %.0f%% | %.0f | %.0f |%n",
          s.name(), s.jobs(), s.n(), s.maxBatch(), s.evaluations(), s.meanRows(), s.wall(), s.throughput(),
          100 * s.throughput() / r.single().throughput(), s.latencyMedian(), s.latencyP95()));
    }
    sb.append(String.format(Locale.ROOT, "%nThroughput of (a) is %.0f%% of (b) (target ≥ 85%%): %s "
        + "(median of the per-repeat ratios: %.0f%%). Step-level batching gives (a) %.1f× the throughput of the "
        + "same jobs with batching off (c). Wall-time range over the repeats: (a) %.2f–%.2f s, (b) %.2f–%.2f s, "
        + "(c) %.2f–%.2f s.%n%n",
        100 * r.ratio(), r.met() ? "met" : "NOT met", 100 * r.pairedRatio(),
        r.concurrent().throughput() / r.unbatched().throughput(),
        min(r.concurrent().wallSeconds()), max(r.concurrent().wallSeconds()),
        min(r.single().wallSeconds()), max(r.single().wallSeconds()),
        min(r.unbatched().wallSeconds()), max(r.unbatched().wallSeconds())));
    sb.append("Server overhead per step at the same batch size. Two references: a bare `predictEps` of the same ")
        .append("loaded network (median of ").append(BARE_RUNS).append(" after each repeat, server idle), and the ")
        .append("time the engine itself spent in `predictEps` during the same runs (the server's `dpm.evaluation` ")
        .append("timer) — the second is measured at the same moments as the wall time, so it is not disturbed by ")
        .append("the load of a shared machine:\n\n");
    sb.append("| batch | bare evaluation (ms) | evaluation inside the server (ms) | server wall per evaluation (ms) "
        + "| overhead vs bare (ms) | overhead vs inside (ms) | overhead vs inside |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    sb.append(overheadRow(o.jobs() + " (from b)", r.bareBatchMs(), r.single().networkMs(), r.serverBatchMs()));
    sb.append(overheadRow("1 (from c)", r.bareOneMs(), r.unbatched().networkMs(), r.serverOneMs()));
    sb.append("\nServer wall per evaluation = wall time / evaluations; the overhead is everything the server adds ")
        .append("around the network call: the HTTP submit, job bookkeeping in the store, packing rows, the sampler ")
        .append("arithmetic, events and writing the result file. Timings on a machine shared with other work vary ")
        .append("between runs (see the ranges above); compare within one run.\n");
    return sb.toString();
  }

  /**
   * Replaces (or appends) the {@link #SECTION} of a Markdown file.
   *
   * @param file the file (created with a title if missing)
   * @param section the section text
   * @throws IOException if it cannot be written
   */
  public static void writeSection(Path file, String section) throws IOException {
    String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
    int start = text.startsWith(SECTION + "\n") ? 0 : text.indexOf("\n" + SECTION + "\n");
    start = start <= 0 ? start : start + 1;
    String body = section.endsWith("\n") ? section : section + "\n";
    if (start < 0) {
      text = (text.endsWith("\n") ? text : text + "\n") + "\n" + body;
    } else {
      int next = text.indexOf("\n## ", start + SECTION.length());
      text = text.substring(0, start) + body + (next < 0 ? "" : text.substring(next));
    }
    Files.writeString(file, text);
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  /** The parameter count a manifest records (fixtures: provenance.parameters; trained: training.params). */
  private static String parameters(ModelSpec spec) {
    var raw = spec.raw();
    String p = raw.path("provenance").path("parameters").asText("");
    return p.isEmpty() ? raw.path("training").path("params").asText("?") : p;
  }

  private static String overheadRow(String batch, double bare, double inside, double wall) {
    return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f%% |%n", batch, bare, inside, wall,
        wall - bare, wall - inside, 100 * (wall / inside - 1));
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  static double median(double[] v) {
    return percentile(v, 0.5);
  }

  /** Linear-interpolated percentile (q in [0, 1]); NaN for no values. */
  static double percentile(double[] v, double q) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    double pos = q * (s.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (pos - lo) * (s[hi] - s[lo]);
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      walk.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.delete(f);
        } catch (IOException e) {
          // best effort
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }
}
