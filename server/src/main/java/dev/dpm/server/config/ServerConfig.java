package dev.dpm.server.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Everything the server can be told. Sources, later ones winning: built-in defaults, a config file
 * ({@code --config FILE}, JSON or YAML, keys as the field names below), the environment
 * ({@code DPM_PORT}, {@code DPM_DATA_DIR}, {@code DPM_MODELS}, {@code DPM_DEVICE},
 * {@code DPM_MAX_BATCH}, {@code DPM_CALIBRATION_DATA}, {@code DPM_INTRA_OP_THREADS}, {@code DPM_API_KEYS}), then
 * command-line flags.
 *
 * @param host interface to bind
 * @param port HTTP port (0 = any free port)
 * @param dataDir job database and result files
 * @param modelsDir folder of model folders ({@code <name>/model.json})
 * @param models names to serve (null = every folder with a manifest)
 * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
 * @param maxBatch maximum rows per network evaluation (1 disables cross-sample batching)
 * @param maxBodyBytes maximum request body
 * @param maxN maximum samples per job
 * @param maxSteps maximum sampler steps per job
 * @param maxQueuedJobs maximum queued + running jobs
 * @param maxQueuedWork maximum queued + running work, in rows (n × steps summed over jobs)
 * @param maxActiveJobs jobs that one engine runs at once (the others wait, queued)
 * @param retentionHours finished jobs and their results are deleted after this many hours (0 = never)
 * @param shutdownGraceSeconds how long a graceful shutdown lets running jobs finish before re-queuing them
 * @param progressIntervalMs minimum time between two progress events of one job
 * @param previewIntervalMs minimum time between two preview events of one job
 * @param warmup whether to run warm-up evaluations before reporting ready
 * @param batchWindowMs when a job arrives at an idle engine, the first evaluation waits up to this
 *     long for more jobs, so that a burst of submissions starts in step (0 = never wait)
 * @param batchGapMs the wait ends as soon as no job has arrived for this long (a lone job waits
 *     just this)
 * @param intraOpThreads libtorch intra-op (OpenMP) threads per evaluation, set before the first
 *     network is loaded (0 = libtorch's default, one per core). On a CPU host shared with other
 *     work, 1 avoids the barrier stalls of an oversubscribed thread team
 * @param allowAnonymous whether a non-loopback address may be bound without API keys (config
 *     {@code allowAnonymous}, env {@code DPM_ALLOW_ANONYMOUS}, flag {@code --allow-anonymous})
 * @param allowedOrigins browser origins (e.g. {@code https://app.example}) that may open WebSockets besides the
 *     server's own; a WebSocket with another {@code Origin} is refused with 403
 * @param calibrationDataDirs folders (besides each model's own folder) from which calibration jobs
 *     may read the data file their request names; empty by default, so a request can only name
 *     files inside the model's folder
 * @param modelPollSeconds how often the models directory is scanned for new, changed and removed
 *     model folders, which are loaded, reloaded and unloaded (0 = never, the default: the admin
 *     endpoints do it on request; env {@code DPM_MODEL_POLL_SECONDS}, flag {@code --poll-models})
 * @param apiKeys the API key file ({@code ./dpm keys add}); null serves without authentication (loopback only unless
 *     {@code allowAnonymous}). Config {@code apiKeys}, env {@code DPM_API_KEYS}, flag {@code --api-keys}
 * @param tenantMaxQueuedJobs maximum queued + running jobs of one tenant (API keys only)
 * @param tenantMaxQueuedWork maximum queued + running work of one tenant, in rows (API keys only)
 * @param headerTimeoutSeconds a connection that has not sent a complete request head this long after it opened is
 *     closed (slow-header clients)
 * @param tenantMaxRunningJobs jobs of one tenant that run at once (API keys only); the tenant's other jobs wait
 *     queued while other tenants' jobs start
 * @param corsAllowedOrigins browser origins (e.g. {@code https://app.example}) that may call the API cross-origin
 *     (CORS); empty, the default, turns CORS off (no {@code Access-Control-*} headers, preflights refused). Config
 *     {@code corsAllowedOrigins}, env {@code DPM_CORS_ORIGINS} (comma-separated)
 * @param maxRowsInFlight per model, a cap on the rows of running jobs (0, the default: no cap beyond
 *     {@code maxActiveJobs}); at saturation it keeps step-level batching from sharing every step among all running
 *     jobs (BENCHMARKS.md, "Mixed workload"). Config {@code maxRowsInFlight}, env {@code DPM_MAX_ROWS_IN_FLIGHT}
 * @param engineOverlap overlapped hand-back: while the network evaluates one batch, a host thread hands the previous
 *     one its ε (off by default: it raises a high-priority job's latency; BENCHMARKS.md, "Overlapped hand-back").
 *     Config {@code engineOverlap}, env {@code DPM_ENGINE_OVERLAP}
 */
public record ServerConfig(
    String host,
    int port,
    Path dataDir,
    Path modelsDir,
    java.util.List<String> models,
    String device,
    int maxBatch,
    int maxBodyBytes,
    int maxN,
    int maxSteps,
    int maxQueuedJobs,
    long maxQueuedWork,
    int maxActiveJobs,
    double retentionHours,
    double shutdownGraceSeconds,
    long progressIntervalMs,
    long previewIntervalMs,
    boolean warmup,
    long batchWindowMs,
    long batchGapMs,
    int intraOpThreads,
    java.util.List<Path> calibrationDataDirs,
    boolean allowAnonymous,
    java.util.List<String> allowedOrigins,
    double modelPollSeconds,
    Path apiKeys,
    int tenantMaxQueuedJobs,
    long tenantMaxQueuedWork,
    int headerTimeoutSeconds,
    int tenantMaxRunningJobs,
    java.util.List<String> corsAllowedOrigins,
    int maxRowsInFlight,
    boolean engineOverlap) {

  /** Validates the values. */
  public ServerConfig {
    allowedOrigins = java.util.List.copyOf(allowedOrigins);
    corsAllowedOrigins = corsAllowedOrigins == null ? java.util.List.of() : java.util.List.copyOf(corsAllowedOrigins);
    for (String o : corsAllowedOrigins) {
      check(o.matches("https?://[^/\\s*]+"), "corsAllowedOrigins: '" + o + "' is not an origin "
          + "(scheme://host[:port], no path, no wildcard)");
    }
    if (!allowAnonymous && apiKeys == null && !loopback(host)) {
      throw new IllegalArgumentException("host " + host + " is not a loopback address and this server has no API "
          + "keys: anyone who can reach it could use it; bind 127.0.0.1, or pass --allow-anonymous "
          + "(config allowAnonymous) to expose it on purpose");
    }
    check(port >= 0 && port <= 65535, "port must be in 0..65535");
    check(maxBatch >= 1, "maxBatch must be at least 1");
    check(maxBodyBytes >= 1024, "maxBodyBytes must be at least 1024");
    check(maxN >= 1, "maxN must be at least 1");
    check(maxSteps >= 1, "maxSteps must be at least 1");
    check(maxQueuedJobs >= 1, "maxQueuedJobs must be at least 1");
    check(maxQueuedWork >= 1, "maxQueuedWork must be at least 1");
    check(maxActiveJobs >= 1, "maxActiveJobs must be at least 1");
    check(tenantMaxQueuedJobs >= 1, "tenantMaxQueuedJobs must be at least 1");
    check(tenantMaxQueuedWork >= 1, "tenantMaxQueuedWork must be at least 1");
    check(headerTimeoutSeconds >= 1, "headerTimeoutSeconds must be at least 1");
    check(tenantMaxRunningJobs >= 1, "tenantMaxRunningJobs must be at least 1");
    check(maxRowsInFlight >= 0, "maxRowsInFlight must be >= 0 (0 = no cap)");
    check(retentionHours >= 0, "retentionHours must be >= 0");
    check(shutdownGraceSeconds >= 0, "shutdownGraceSeconds must be >= 0");
    check(batchWindowMs >= 0 && batchGapMs >= 0, "batchWindowMs and batchGapMs must be >= 0");
    check(modelPollSeconds >= 0, "modelPollSeconds must be >= 0 (0 = no polling)");
    check(intraOpThreads >= 0, "intraOpThreads must be >= 0 (0 = libtorch's default)");
    check(device != null && device.matches("auto|cpu|gpu(:\\d+)?"), "device must be auto, cpu, gpu or gpu:N");
    models = models == null ? null : java.util.List.copyOf(models);
    calibrationDataDirs = calibrationDataDirs == null ? java.util.List.of() : java.util.List.copyOf(calibrationDataDirs);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** @return a builder with the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** @return a builder holding this configuration */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.apply(toJson().getMap());
    b.models = models;
    b.calibrationDataDirs = calibrationDataDirs;
    return b;
  }

  /** @return the configuration as JSON (what the server logs at start) */
  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host).put("port", port)
        .put("dataDir", dataDir.toString()).put("modelsDir", modelsDir.toString())
        .put("models", models).put("device", device).put("maxBatch", maxBatch)
        .put("maxBodyBytes", maxBodyBytes).put("maxN", maxN).put("maxSteps", maxSteps)
        .put("maxQueuedJobs", maxQueuedJobs).put("maxQueuedWork", maxQueuedWork)
        .put("maxActiveJobs", maxActiveJobs).put("retentionHours", retentionHours)
        .put("shutdownGraceSeconds", shutdownGraceSeconds)
        .put("progressIntervalMs", progressIntervalMs).put("previewIntervalMs", previewIntervalMs)
        .put("warmup", warmup)
        .put("batchWindowMs", batchWindowMs).put("batchGapMs", batchGapMs)
        .put("intraOpThreads", intraOpThreads)
        .put("calibrationDataDirs", calibrationDataDirs.stream().map(Path::toString).toList())
        .put("allowAnonymous", allowAnonymous).put("allowedOrigins", allowedOrigins)
        .put("modelPollSeconds", modelPollSeconds)
        .put("apiKeys", apiKeys == null ? null : apiKeys.toString())
        .put("tenantMaxQueuedJobs", tenantMaxQueuedJobs).put("tenantMaxQueuedWork", tenantMaxQueuedWork)
        .put("headerTimeoutSeconds", headerTimeoutSeconds)
        .put("tenantMaxRunningJobs", tenantMaxRunningJobs).put("corsAllowedOrigins", corsAllowedOrigins)
        .put("maxRowsInFlight", maxRowsInFlight).put("engineOverlap", engineOverlap);
  }

  /** Mutable builder; {@link #apply} takes a file's or the environment's key/value pairs. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private Path dataDir = Path.of("dpm-data");
    private Path modelsDir = Path.of("models");
    private java.util.List<String> models;
    private String device = "auto";
    private int maxBatch = 64;
    private int maxBodyBytes = 64 * 1024;
    private int maxN = 4096;
    private int maxSteps = 10_000;
    private int maxQueuedJobs = 1000;
    private long maxQueuedWork = 500_000_000L;
    private int maxActiveJobs = 64;
    private double retentionHours = 24 * 7;
    private double shutdownGraceSeconds = 10;
    private long progressIntervalMs = 100;
    private long previewIntervalMs = 250;
    private boolean warmup = true;
    private long batchWindowMs = 100;
    private long batchGapMs = 10;
    private int intraOpThreads;
    private java.util.List<Path> calibrationDataDirs = java.util.List.of();
    private double modelPollSeconds;
    private boolean allowAnonymous;
    private java.util.List<String> allowedOrigins = java.util.List.of();
    private Path apiKeys;
    private int tenantMaxQueuedJobs = 1000;
    private long tenantMaxQueuedWork = 500_000_000L;
    private int headerTimeoutSeconds = 10;
    private int tenantMaxRunningJobs = 16;
    private java.util.List<String> corsAllowedOrigins = java.util.List.of();
    private int maxRowsInFlight;
    private boolean engineOverlap;

    private Builder() {}

    /** @param v host @return this */
    public Builder host(String v) { host = v; return this; }
    /** @param v port @return this */
    public Builder port(int v) { port = v; return this; }
    /** @param v data dir @return this */
    public Builder dataDir(Path v) { dataDir = v; return this; }
    /** @param v models dir @return this */
    public Builder modelsDir(Path v) { modelsDir = v; return this; }
    /** @param v model names to serve (null = all) @return this */
    public Builder models(java.util.List<String> v) { models = v; return this; }
    /** @param v device @return this */
    public Builder device(String v) { device = v; return this; }
    /** @param v max batch @return this */
    public Builder maxBatch(int v) { maxBatch = v; return this; }
    /** @param v max body bytes @return this */
    public Builder maxBodyBytes(int v) { maxBodyBytes = v; return this; }
    /** @param v max n @return this */
    public Builder maxN(int v) { maxN = v; return this; }
    /** @param v max steps @return this */
    public Builder maxSteps(int v) { maxSteps = v; return this; }
    /** @param v max queued jobs @return this */
    public Builder maxQueuedJobs(int v) { maxQueuedJobs = v; return this; }
    /** @param v max queued work (rows) @return this */
    public Builder maxQueuedWork(long v) { maxQueuedWork = v; return this; }
    /** @param v max active jobs per engine @return this */
    public Builder maxActiveJobs(int v) { maxActiveJobs = v; return this; }
    /** @param v retention in hours @return this */
    public Builder retentionHours(double v) { retentionHours = v; return this; }
    /** @param v grace seconds @return this */
    public Builder shutdownGraceSeconds(double v) { shutdownGraceSeconds = v; return this; }
    /** @param v progress interval @return this */
    public Builder progressIntervalMs(long v) { progressIntervalMs = v; return this; }
    /** @param v preview interval @return this */
    public Builder previewIntervalMs(long v) { previewIntervalMs = v; return this; }
    /** @param v warm-up @return this */
    public Builder warmup(boolean v) { warmup = v; return this; }
    /** @param v longest batching wait at an idle engine, ms @return this */
    public Builder batchWindowMs(long v) { batchWindowMs = v; return this; }
    /** @param v arrival gap that ends the batching wait, ms @return this */
    public Builder batchGapMs(long v) { batchGapMs = v; return this; }
    /** @param v libtorch intra-op threads (0 = default) @return this */
    public Builder intraOpThreads(int v) { intraOpThreads = v; return this; }
    /** @param v folders calibration data may be read from @return this */
    public Builder calibrationDataDirs(java.util.List<Path> v) { calibrationDataDirs = v; return this; }
    /** @param v seconds between scans of the models directory (0 = none) @return this */
    public Builder modelPollSeconds(double v) { modelPollSeconds = v; return this; }

    /**
     * Applies key/value pairs (a config file's, with the record's field names as keys).
     *
     * @param m the pairs
     * @return this
     * @throws IllegalArgumentException naming an unknown key or a bad value
     */
    public Builder apply(Map<String, ?> m) {
      for (Map.Entry<String, ?> e : m.entrySet()) {
        Object v = e.getValue();
        if (v == null) {
          continue;
        }
        String s = String.valueOf(v);
        try {
          switch (e.getKey()) {
            case "host" -> host = s;
            case "port" -> port = Integer.parseInt(s);
            case "dataDir" -> dataDir = Path.of(s);
            case "modelsDir" -> modelsDir = Path.of(s);
            case "models" -> models = v instanceof java.util.List<?> l
                ? l.stream().map(String::valueOf).toList()
                : java.util.Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
            case "device" -> device = s.toLowerCase(Locale.ROOT);
            case "maxBatch" -> maxBatch = Integer.parseInt(s);
            case "maxBodyBytes" -> maxBodyBytes = Integer.parseInt(s);
            case "maxN" -> maxN = Integer.parseInt(s);
            case "maxSteps" -> maxSteps = Integer.parseInt(s);
            case "maxQueuedJobs" -> maxQueuedJobs = Integer.parseInt(s);
            case "maxQueuedWork" -> maxQueuedWork = Long.parseLong(s);
            case "maxActiveJobs" -> maxActiveJobs = Integer.parseInt(s);
            case "retentionHours" -> retentionHours = Double.parseDouble(s);
            case "shutdownGraceSeconds" -> shutdownGraceSeconds = Double.parseDouble(s);
            case "progressIntervalMs" -> progressIntervalMs = Long.parseLong(s);
            case "previewIntervalMs" -> previewIntervalMs = Long.parseLong(s);
            case "warmup" -> warmup = Boolean.parseBoolean(s);
            case "intraOpThreads" -> intraOpThreads = Integer.parseInt(s);
            case "batchWindowMs" -> batchWindowMs = Long.parseLong(s);
            case "batchGapMs" -> batchGapMs = Long.parseLong(s);
            case "modelPollSeconds" -> modelPollSeconds = Double.parseDouble(s);
            case "allowAnonymous" -> allowAnonymous = Boolean.parseBoolean(s);
            case "apiKeys" -> apiKeys = s.isBlank() ? null : Path.of(s);
            case "tenantMaxQueuedJobs" -> tenantMaxQueuedJobs = Integer.parseInt(s);
            case "tenantMaxQueuedWork" -> tenantMaxQueuedWork = Long.parseLong(s);
            case "headerTimeoutSeconds" -> headerTimeoutSeconds = Integer.parseInt(s);
            case "tenantMaxRunningJobs" -> tenantMaxRunningJobs = Integer.parseInt(s);
            case "maxRowsInFlight" -> maxRowsInFlight = Integer.parseInt(s);
            case "engineOverlap" -> engineOverlap = Boolean.parseBoolean(s);
            case "corsAllowedOrigins" -> corsAllowedOrigins = v instanceof java.util.List<?> l
                ? l.stream().map(String::valueOf).toList()
                : java.util.Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
            case "allowedOrigins" -> allowedOrigins = v instanceof java.util.List<?> l
                ? l.stream().map(String::valueOf).toList()
                : java.util.Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
            case "calibrationDataDirs" -> calibrationDataDirs = (v instanceof java.util.List<?> l
                ? l.stream().map(String::valueOf)
                : java.util.Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()))
                .map(Path::of).toList();
            default -> throw new IllegalArgumentException("unknown configuration key '" + e.getKey() + "'");
          }
        } catch (NumberFormatException ex) {
          throw new IllegalArgumentException("configuration key '" + e.getKey() + "': not a number: " + s);
        }
      }
      return this;
    }

    /**
     * Applies a JSON or YAML config file.
     *
     * @param file the file ({@code .json}, {@code .yaml} or {@code .yml})
     * @return this
     * @throws IOException if unreadable or malformed
     */
    public Builder applyFile(Path file) throws IOException {
      String text = Files.readString(file);
      Object parsed;
      try {
        parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text); // YAML ⊃ JSON
      } catch (RuntimeException e) {
        throw new IOException("cannot parse config " + file + ": " + e.getMessage(), e);
      }
      if (parsed == null) {
        return this;
      }
      if (!(parsed instanceof Map<?, ?> map)) {
        throw new IOException("config " + file + " must be an object of key: value pairs");
      }
      java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> m.put(String.valueOf(k), v));
      apply(m);
      return this;
    }

    /**
     * Applies {@code DPM_PORT}, {@code DPM_DATA_DIR}, {@code DPM_MODELS}, {@code DPM_DEVICE},
     * {@code DPM_MAX_BATCH}, {@code DPM_HOST}, {@code DPM_CALIBRATION_DATA} (comma-separated
     * folders), {@code DPM_INTRA_OP_THREADS}, {@code DPM_MODEL_POLL_SECONDS} where set.
     *
     * @param env the environment
     * @return this
     */
    public Builder applyEnv(Map<String, String> env) {
      java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("host", env.get("DPM_HOST"));
      m.put("port", env.get("DPM_PORT"));
      m.put("dataDir", env.get("DPM_DATA_DIR"));
      m.put("modelsDir", env.get("DPM_MODELS"));
      m.put("device", env.get("DPM_DEVICE"));
      m.put("maxBatch", env.get("DPM_MAX_BATCH"));
      m.put("calibrationDataDirs", env.get("DPM_CALIBRATION_DATA"));
      m.put("intraOpThreads", env.get("DPM_INTRA_OP_THREADS"));
      m.put("allowAnonymous", env.get("DPM_ALLOW_ANONYMOUS"));
      m.put("allowedOrigins", env.get("DPM_ALLOWED_ORIGINS"));
      m.put("modelPollSeconds", env.get("DPM_MODEL_POLL_SECONDS"));
      m.put("apiKeys", env.get("DPM_API_KEYS"));
      m.put("corsAllowedOrigins", env.get("DPM_CORS_ORIGINS"));
      m.put("maxRowsInFlight", env.get("DPM_MAX_ROWS_IN_FLIGHT"));
      m.put("engineOverlap", env.get("DPM_ENGINE_OVERLAP"));
      return apply(m);
    }

    /** @return the validated configuration */
    public ServerConfig build() {
      return new ServerConfig(host, port, dataDir, modelsDir, models, device, maxBatch, maxBodyBytes,
          maxN, maxSteps, maxQueuedJobs, maxQueuedWork, maxActiveJobs, retentionHours,
          shutdownGraceSeconds, progressIntervalMs, previewIntervalMs, warmup, batchWindowMs, batchGapMs, intraOpThreads,
          calibrationDataDirs, allowAnonymous, allowedOrigins, modelPollSeconds, apiKeys, tenantMaxQueuedJobs,
          tenantMaxQueuedWork, headerTimeoutSeconds, tenantMaxRunningJobs, corsAllowedOrigins,
          maxRowsInFlight, engineOverlap);
    }

    /** @param v whether a non-loopback address may be bound without API keys @return this */
    public Builder allowAnonymous(boolean v) { allowAnonymous = v; return this; }
    /** @param v the API key file (null: no authentication) @return this */
    public Builder apiKeys(Path v) { apiKeys = v; return this; }
    /** @param v queued + running jobs per tenant @return this */
    public Builder tenantMaxQueuedJobs(int v) { tenantMaxQueuedJobs = v; return this; }
    /** @param v queued + running work per tenant (rows) @return this */
    public Builder tenantMaxQueuedWork(long v) { tenantMaxQueuedWork = v; return this; }
    /** @param v seconds a new connection has to send its request head @return this */
    public Builder headerTimeoutSeconds(int v) { headerTimeoutSeconds = v; return this; }
    /** @param v jobs of one tenant running at once @return this */
    public Builder tenantMaxRunningJobs(int v) { tenantMaxRunningJobs = v; return this; }
    /** @param v per-model cap on the rows of running jobs (0: none) @return this */
    public Builder maxRowsInFlight(int v) { maxRowsInFlight = v; return this; }
    /** @param v whether engines overlap hand-back with the next evaluation @return this */
    public Builder engineOverlap(boolean v) { engineOverlap = v; return this; }
    /** @param v browser origins allowed to call the API cross-origin (empty: CORS off) @return this */
    public Builder corsAllowedOrigins(java.util.List<String> v) {
      corsAllowedOrigins = java.util.List.copyOf(v);
      return this;
    }
    /** @param v browser origins allowed to open WebSockets (besides the server's own) @return this */
    public Builder allowedOrigins(java.util.List<String> v) { allowedOrigins = java.util.List.copyOf(v); return this; }
  }

  /** @return whether {@code host} names only this machine (127.0.0.0/8, ::1, localhost) */
  static boolean loopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
  }
}
