package dev.dpm.server.cluster;

import dev.dpm.server.DpmServer;
import dev.dpm.server.api.EventHub;
import dev.dpm.server.api.NodeIdentity;
import dev.dpm.server.jobs.ClusterLink;
import dev.dpm.server.jobs.EventSink;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.jobs.JobStore;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.results.ResultStore;
import dev.dpm.server.store.pg.PgJobStore;
import dev.dpm.server.store.pg.PgResultStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node of a cluster for {@link DpmServer#start(dev.dpm.server.config.ServerConfig, ModelRegistry,
 * JobService.SamplerFactory, DpmServer.Backend)}: clustered Vert.x (Hazelcast), the shared PostgreSQL store for jobs
 * and results, events over the bus, the {@link Peers} link and, on workers, the {@link LeaseKeeper}. Metrics carry
 * the tags {@code node} and {@code role}.
 */
public final class ClusterBackend implements DpmServer.Backend {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterBackend.class);
  private final ClusterConfig config;
  private PgJobStore store;
  private BusEvents events;
  private Peers peers;
  private LeaseKeeper keeper;

  /**
   * @param config the node's settings
   */
  public ClusterBackend(ClusterConfig config) {
    this.config = config;
  }

  /** @return the node's settings */
  public ClusterConfig config() {
    return config;
  }

  @Override
  public Vertx vertx(VertxOptions options, MicrometerMetricsFactory metrics, PrometheusMeterRegistry registry)
      throws Exception {
    registry.config().commonTags("node", config.nodeId(), "role", config.role().wire());
    options.getEventBusOptions().setHost(config.host()).setPort(0).setClusterPublicHost(config.host());
    LOG.info("event=cluster-joining node={} role={} hazelcast={}:{} members={}", config.nodeId(),
        config.role().wire(), config.host(), config.port(), config.members());
    Vertx v = Vertx.builder().with(options).withMetrics(metrics)
        .withClusterManager(HazelcastSetup.manager(config))
        .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    LOG.info("event=cluster-joined node={}", config.nodeId());
    return v;
  }

  @Override
  public JobStore store(Path data) throws SQLException {
    store = PgJobStore.open(config.storeUrl(), config.storeUser(), config.storePassword(), config.nodeId());
    return store;
  }

  @Override
  public ResultStore results(Path data, JobStore jobStore) throws Exception {
    return new PgResultStore(data.resolve("results-cache"), store);
  }

  @Override
  public EventSink events(Vertx vertx, EventHub hub) {
    events = new BusEvents(vertx, hub);
    return events;
  }

  @Override
  public ClusterLink link(Vertx vertx, JobStore jobStore) {
    peers = new Peers(vertx, store, events, config.role().runsJobs());
    return peers;
  }

  @Override
  public void started(Vertx vertx, JobService jobs, ModelRegistry models) throws Exception {
    peers.serve(jobs);
    events.registered().compose(v -> peers.registered()).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    if (config.role().runsJobs()) {
      keeper = new LeaseKeeper(config, store, jobs, models);
      keeper.start();
      events.onQueuedOrEnded(keeper::nudge);
    }
    LOG.info("event=cluster-node-started node={} role={} models={}", config.nodeId(), config.role().wire(),
        jobs.engines().keySet());
  }

  @Override
  public NodeIdentity node() {
    return new NodeIdentity(config.nodeId(), config.role().wire());
  }

  @Override
  public void stopping() {
    if (keeper != null) {
      keeper.stopClaiming();
    }
  }

  @Override
  public void stopped() {
    if (keeper != null) {
      keeper.stop();
    }
    if (store != null && config.role().runsJobs()) {
      try {
        store.releaseAll(); // what is left goes back to the queue at once, not after the lease
      } catch (SQLException e) {
        LOG.warn("event=lease-release-failed error={}", e.toString());
      }
    }
  }
}
