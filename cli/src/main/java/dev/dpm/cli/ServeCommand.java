package dev.dpm.cli;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.DpmServer;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.cluster.ClusterBackend;
import dev.dpm.server.models.DefaultModelSource;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./dpm serve}: runs the sampling service until interrupted (Ctrl-C / SIGTERM shut it down
 * gracefully). Configuration: defaults, then {@code --config FILE} (JSON or YAML), then the
 * environment ({@code DPM_PORT}, {@code DPM_DATA_DIR}, {@code DPM_MODELS}, {@code DPM_DEVICE},
 * {@code DPM_MAX_BATCH}), then these flags.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve every model in the models directory over HTTP/WebSocket (see openapi.yaml).")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default: 8080; 0 = any free port).")
  Integer port;
  @Option(names = "--host", paramLabel = "HOST", description = "Interface to bind (default: 127.0.0.1; another address "
      + "needs --api-keys or --allow-anonymous).")
  String host;
  @Option(names = "--allow-anonymous", description = "Allow binding a non-loopback address without API keys.")
  boolean allowAnonymous;
  @Option(names = "--api-keys", paramLabel = "FILE", description = "API key file (dpm keys add): every /v1 route then "
      + "needs Authorization: Bearer KEY, and tenants see their own jobs only (default: $DPM_API_KEYS).")
  Path apiKeys;
  @Option(names = "--data-dir", paramLabel = "DIR", description = "Job database and results (default: ./dpm-data).")
  Path dataDir;
  @Option(names = "--models", paramLabel = "DIR", description = "Models directory (default: $DPM_MODELS, else models/ next to ./dpm).")
  Path models;
  @Option(names = "--model", split = ",", paramLabel = "NAME|DIR",
      description = "Serve only these models: names in the models directory or model folders (repeat or comma separate).")
  java.util.List<String> only;
  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (JSON or YAML).")
  Path config;
  @Option(names = "--device", paramLabel = "DEVICE", description = "auto | cpu | gpu | gpu:N (default: auto, CUDA when DJL finds it).")
  String device;
  @Option(names = "--max-batch", paramLabel = "B", description = "Maximum rows per network evaluation (default: 64; 1 disables batching).")
  Integer maxBatch;
  @Option(names = "--max-n", paramLabel = "N", description = "Maximum samples per job (default: 4096).")
  Integer maxN;
  @Option(names = "--retention-hours", paramLabel = "HOURS", description = "Delete finished jobs after this many hours (default: 168; 0 = never).")
  Double retentionHours;
  @Option(names = "--poll-models", paramLabel = "SECONDS",
      description = "scan the models directory every SECONDS: load new folders, reload changed ones, unload removed"
          + " ones (default 0 = never; the admin endpoints /v1/admin/models/NAME/load|unload|reload do it on request)")
  Double pollModels;
  @picocli.CommandLine.Mixin
  ClusterOptions cluster = new ClusterOptions();

  @Override
  public Integer call() throws Exception {
    ServerConfig cfg;
    DpmServer.Backend backend;
    try {
      cfg = config().build();
      backend = cluster.backend(System.getenv());
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("dpm serve: " + e.getMessage());
      return 2;
    }
    DpmServer server;
    try {
      // an API node of a cluster validates requests only: manifests, Γ and hashes, not the networks
      boolean apiNode = backend instanceof ClusterBackend c && !c.config().role().runsJobs();
      server = DpmServer.start(cfg, apiNode ? DefaultModelSource.manifestsOnly() : new DefaultModelSource(),
          Samplers::create, backend);
    } catch (Exception e) {
      System.err.println("dpm serve: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "dpm-shutdown"));
    System.err.println("dpm serve: listening on http://" + (cfg.host().equals("0.0.0.0") ? "localhost" : cfg.host())
        + ":" + server.port() + "/ (Ctrl-C to stop)" + (cfg.apiKeys() != null
        ? "; API keys from " + cfg.apiKeys() + " (Authorization: Bearer KEY)"
        : cfg.allowAnonymous()
        ? "; anonymous access on " + cfg.host() + ": anyone who can reach it can use it"
        : "; loopback only, without authentication"));
    stopped.await();
    return 0;
  }

  /**
   * @return the configuration builder from file, environment and flags
   * @throws java.io.IOException if the config file cannot be read
   */
  ServerConfig.Builder config() throws java.io.IOException {
    ServerConfig.Builder b = ServerConfig.builder();
    // the bundled models next to the launcher, from any working directory (a file or DPM_MODELS overrides)
    b.modelsDir(dev.dpm.runtime.model.ModelLoader.defaultModelsDir());
    if (config != null) {
      b.applyFile(config);
    }
    b.applyEnv(System.getenv());
    if (port != null) {
      b.port(port);
    }
    if (host != null) {
      b.host(host);
    }
    if (allowAnonymous) {
      b.allowAnonymous(true);
    }
    if (apiKeys != null) {
      b.apiKeys(apiKeys);
    }
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    if (models != null) {
      b.modelsDir(models);
    }
    if (only != null) {
      // folders travel as absolute paths: the registry loads them where they are
      Path dir = models != null ? models : dev.dpm.runtime.model.ModelLoader.defaultModelsDir();
      java.util.List<String> named = new java.util.ArrayList<>();
      for (String v : only) {
        Path folder = dev.dpm.runtime.model.ModelLoader.folderOf(dir, v); // null: a name of the models folder
        named.add(folder == null ? v : folder.toAbsolutePath().normalize().toString());
      }
      b.models(named);
    }
    if (device != null) {
      b.device(device);
    }
    if (maxBatch != null) {
      b.maxBatch(maxBatch);
    }
    if (maxN != null) {
      b.maxN(maxN);
    }
    if (retentionHours != null) {
      b.retentionHours(retentionHours);
    }
    if (pollModels != null) {
      b.modelPollSeconds(pollModels);
    }
    return b;
  }

  /**
   * Runs the command on its own (until the lead registers it in {@code Dpm}).
   *
   * @param args arguments
   */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new ServeCommand()).execute(args));
  }
}
