package dev.dpm.server;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.api.ApiVerticle;
import dev.dpm.server.api.EventHub;
import dev.dpm.server.api.NodeIdentity;
import dev.dpm.server.jobs.ClusterLink;
import dev.dpm.server.jobs.EventSink;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.jobs.JobStore;
import dev.dpm.server.models.GammaFiles;
import dev.dpm.server.models.ModelPoller;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ModelSource;
import dev.dpm.server.results.ResultStore;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole server in one object: Vert.x with Micrometer metrics, the job store and result files
 * in the data directory, the models, one batch engine per model, the job service and the API
 * verticle. {@link #start} returns once the port is bound (models warm up in the background;
 * {@code /health/ready} says when they are done); {@link #close} shuts down gracefully.
 */
public final class DpmServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DpmServer.class);

  private final ServerConfig config;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final JobStore store;
  private final ModelRegistry models;
  private final JobService jobs;
  private final EventHub hub;
  private final ApiVerticle api;
  private final ScheduledExecutorService poll; // null unless modelPollSeconds > 0
  private final Backend backend;
  private volatile boolean closed;

  /**
   * How a server is assembled: {@link #EMBEDDED} (one node: H2 and result files in the data folder, a local
   * Vert.x) or a node of a cluster ({@code server.cluster}: clustered Vert.x, the shared PostgreSQL store).
   */
  public interface Backend {
    /**
     * @param options Vert.x options (metrics on)
     * @param metrics the Micrometer metrics factory
     * @param registry the metrics (a cluster tags them with the node id here, before any meter is bound)
     * @return Vert.x, started
     * @throws Exception if it does not start (a cluster it cannot join)
     */
    Vertx vertx(VertxOptions options, MicrometerMetricsFactory metrics, PrometheusMeterRegistry registry)
        throws Exception;

    /**
     * @param data the data folder
     * @return the job store
     * @throws Exception if it cannot be opened
     */
    JobStore store(Path data) throws Exception;

    /**
     * @param data the data folder
     * @param store the store just opened
     * @return the result files
     * @throws Exception if they cannot be opened
     */
    ResultStore results(Path data, JobStore store) throws Exception;

    /**
     * @param vertx Vert.x
     * @param hub this node's WebSocket hub
     * @return where the job service publishes events (the hub itself on one node)
     */
    EventSink events(Vertx vertx, EventHub hub);

    /**
     * @param vertx Vert.x
     * @param store the store
     * @return the cluster link, or null on one node
     */
    ClusterLink link(Vertx vertx, JobStore store);

    /**
     * Called once the node serves (a worker starts claiming jobs here).
     *
     * @param vertx Vert.x
     * @param jobs the job service
     * @param models the models
     * @throws Exception if the node cannot take part
     */
    void started(Vertx vertx, JobService jobs, ModelRegistry models) throws Exception;

    /** Called first when the server stops (a worker stops claiming). */
    void stopping();

    /** Called after the job service stopped, before Vert.x closes (a worker gives its leases back). */
    void stopped();

    /** @return the node's id and role for the health answers, or null on a single node */
    default NodeIdentity node() {
      return null;
    }
  }

  /** The single-node assembly: H2 in the data folder, result files beside it, events straight to the hub. */
  public static final Backend EMBEDDED = new Backend() {
    @Override
    public Vertx vertx(VertxOptions options, MicrometerMetricsFactory metrics, PrometheusMeterRegistry registry) {
      return Vertx.builder().with(options).withMetrics(metrics).build();
    }

    @Override
    public JobStore store(Path data) throws Exception {
      return JobStore.open(data);
    }

    @Override
    public ResultStore results(Path data, JobStore store) throws Exception {
      return new ResultStore(data.resolve("results"));
    }

    @Override
    public EventSink events(Vertx vertx, EventHub hub) {
      return hub;
    }

    @Override
    public ClusterLink link(Vertx vertx, JobStore store) {
      return null;
    }

    @Override
    public void started(Vertx vertx, JobService jobs, ModelRegistry models) {
      // nothing more on one node
    }

    @Override
    public void stopping() {
      // nothing to stop
    }

    @Override
    public void stopped() {
      // nothing to give back
    }
  };

  private DpmServer(ServerConfig config, Vertx vertx, PrometheusMeterRegistry registry, JobStore store,
      ModelRegistry models, JobService jobs, EventHub hub, ApiVerticle api, ScheduledExecutorService poll,
      Backend backend) {
    this.backend = backend;
    this.config = config;
    this.vertx = vertx;
    this.registry = registry;
    this.store = store;
    this.models = models;
    this.jobs = jobs;
    this.hub = hub;
    this.api = api;
    this.poll = poll;
  }

  /**
   * Loads the models of {@code config.modelsDir()} with a model source and starts.
   *
   * @param config configuration
   * @param source how model folders are loaded
   * @param samplers sampler factory
   * @return the running server
   * @throws Exception if a model is refused, the store cannot be opened or the port is taken
   */
  public static DpmServer start(ServerConfig config, ModelSource source, JobService.SamplerFactory samplers)
      throws Exception {
    return start(config, source, samplers, EMBEDDED);
  }

  /**
   * Loads the models of {@code config.modelsDir()} with a model source and starts with an assembly.
   *
   * @param config configuration
   * @param source how model folders are loaded
   * @param samplers sampler factory
   * @param backend embedded or a cluster node
   * @return the running server
   * @throws Exception if a model is refused, the store cannot be opened or the port is taken
   */
  public static DpmServer start(ServerConfig config, ModelSource source, JobService.SamplerFactory samplers,
      Backend backend) throws Exception {
    if (config.intraOpThreads() > 0) {
      // read by DJL's PyTorch engine when it initialises (before the first network is loaded); an
      // engine already running in this process keeps its setting
      System.setProperty(INTRA_OP_PROPERTY, Integer.toString(config.intraOpThreads()));
    }
    ModelRegistry models = ModelRegistry.load(config.modelsDir(), config.models(), config.device(), source);
    try {
      return start(config, models, samplers, backend);
    } catch (Exception e) {
      models.close();
      throw e;
    }
  }

  /**
   * Starts with already loaded models (owned from now on: closed with the server).
   *
   * @param config configuration
   * @param models the models
   * @param samplers sampler factory
   * @return the running server
   * @throws Exception if the store cannot be opened or the port is taken
   */
  public static DpmServer start(ServerConfig config, ModelRegistry models, JobService.SamplerFactory samplers)
      throws Exception {
    return start(config, models, samplers, EMBEDDED);
  }

  /**
   * Starts with already loaded models (owned from now on) and an assembly.
   *
   * @param config configuration
   * @param models the models
   * @param samplers sampler factory
   * @param backend embedded or a cluster node
   * @return the running server
   * @throws Exception if the store cannot be opened, the cluster joined or the port is taken
   */
  public static DpmServer start(ServerConfig config, ModelRegistry models, JobService.SamplerFactory samplers,
      Backend backend) throws Exception {
    System.setProperty("java.awt.headless", "true");
    LOG.info("event=starting config={}", config.toJson().encode());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = backend.vertx(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))), new MicrometerMetricsFactory(registry),
        registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    Path data = config.dataDir();
    JobStore store = null;
    JobService jobs = null;
    try {
      store = backend.store(data);
      GammaFiles.restore(models, data);
      ResultStore results = backend.results(data, store);
      EventHub hub = new EventHub(vertx);
      jobs = new JobService(config, store, results, models, samplers, backend.events(vertx, hub), registry,
          backend.link(vertx, store));
      jobs.start();
      ApiVerticle api = new ApiVerticle(config, jobs, models, hub, results, registry, backend.node());
      vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      for (var m : models.all()) {
        LOG.info("event=serving model={} device={}", m.name(), m.device());
      }
      backend.started(vertx, jobs, models);
      writePortFile(data, api.actualPort());
      LOG.info("event=started port={} dataDir={}", api.actualPort(), data.toAbsolutePath());
      return new DpmServer(config, vertx, registry, store, models, jobs, hub, api, startPolling(config, models),
          backend);
    } catch (Exception e) {
      backend.stopping();
      if (jobs != null) {
        jobs.halt();
      }
      if (store != null) {
        store.close();
      }
      vertx.close();
      Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw c instanceof Exception ex ? ex : e;
    }
  }

  /** Scans the models directory every {@code modelPollSeconds} (a {@link ModelPoller}), or nothing when 0. */
  private static ScheduledExecutorService startPolling(ServerConfig config, ModelRegistry models) {
    if (config.modelPollSeconds() <= 0 || !java.nio.file.Files.isDirectory(config.modelsDir())) {
      return null;
    }
    ModelPoller poller = new ModelPoller(models, config.modelsDir(), config.models());
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dpm-model-poll");
      t.setDaemon(true);
      return t;
    });
    long ms = Math.max(100, (long) (config.modelPollSeconds() * 1000));
    s.scheduleWithFixedDelay(() -> {
      try {
        poller.poll();
      } catch (RuntimeException e) {
        LOG.warn("event=models-poll-failed error={}", e.toString());
      }
    }, ms, ms, TimeUnit.MILLISECONDS);
    LOG.info("event=models-polling dir={} seconds={}", config.modelsDir().toAbsolutePath(), config.modelPollSeconds());
    return s;
  }

  /** DJL's system property for libtorch's intra-op threads. */
  public static final String INTRA_OP_PROPERTY = "ai.djl.pytorch.num_threads";

  /** Name of the file in the data folder that holds the bound port while the server runs. */
  public static final String PORT_FILE = "server.port";

  /**
   * Writes the bound port to {@code <dataDir>/server.port} (atomically), so that scripts and tests
   * that start the server with port 0 can find it.
   */
  private static void writePortFile(Path data, int port) throws java.io.IOException {
    Path tmp = data.resolve(PORT_FILE + ".tmp");
    java.nio.file.Files.writeString(tmp, port + "\n");
    java.nio.file.Files.move(tmp, data.resolve(PORT_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** @return the bound HTTP port */
  public int port() {
    return api.actualPort();
  }

  /** @return the job service */
  public JobService jobs() {
    return jobs;
  }

  /** @return the models */
  public ModelRegistry models() {
    return models;
  }

  /** @return the metrics registry */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** @return the API verticle */
  public ApiVerticle api() {
    return api;
  }

  /** @return the Vert.x instance */
  public Vertx vertx() {
    return vertx;
  }

  /** @return the configuration */
  public ServerConfig config() {
    return config;
  }

  /**
   * @return true when every model is warmed up and jobs are admitted
   */
  public boolean ready() {
    return jobs.ready();
  }

  /**
   * Blocks until ready or the timeout passes.
   *
   * @param timeoutMs timeout
   * @return true if ready
   * @throws InterruptedException if interrupted
   */
  public boolean awaitReady(long timeoutMs) throws InterruptedException {
    long until = System.currentTimeMillis() + timeoutMs;
    while (!ready() && System.currentTimeMillis() < until) {
      Thread.sleep(10);
    }
    return ready();
  }

  /**
   * Graceful shutdown: readiness goes down and submits get 503, running jobs get the grace
   * period to finish (the rest go back to queued), sockets close with 1001, the HTTP server
   * drains, then models, store and Vert.x close.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("event=stopping");
    stopPolling();
    backend.stopping();
    jobs.shutdown();
    backend.stopped();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("event=vertx-close-failed error={}", e.toString());
    }
    models.close();
    store.close();
    try {
      java.nio.file.Files.deleteIfExists(config.dataDir().resolve(PORT_FILE));
    } catch (java.io.IOException e) {
      LOG.warn("event=port-file-not-deleted error={}", e.toString());
    }
    LOG.info("event=stopped");
  }

  /**
   * Stops without any graceful step, as a crash would (tests of recovery): nothing more is
   * written to the store.
   */
  public synchronized void halt() {
    if (closed) {
      return;
    }
    closed = true;
    stopPolling();
    backend.stopping();
    jobs.halt();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("event=vertx-close-failed error={}", e.toString());
    }
    models.close();
    store.close();
  }

  private void stopPolling() {
    if (poll != null) {
      poll.shutdownNow();
      try {
        poll.awaitTermination(30, TimeUnit.SECONDS); // a scan may be loading a network
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** @return the event hub */
  public EventHub hub() {
    return hub;
  }
}
