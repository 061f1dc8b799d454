package dev.dpm.cli;

import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.server.DpmServer;
import dev.dpm.server.store.pg.EmbeddedStore;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm bench cluster}: rows per second of a burst of jobs through one node with the embedded store, one node in
 * cluster mode (role all), and an API node with one and with two workers, every node a separate JVM on loopback
 * around an embedded PostgreSQL. Prints a markdown table (median of the repeats).
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Throughput of embedded vs cluster mode, with one and two workers (separate JVMs on loopback).")
public final class BenchClusterCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "ring-2d", description = "model of the models folder (default: ${DEFAULT-VALUE})")
  String model;
  @Option(names = "--models", description = "models folder (default: $DPM_MODELS, else models/)")
  Path modelsDir;
  @Option(names = "--sampler", defaultValue = "ddim", description = "sampler (default: ${DEFAULT-VALUE})")
  String sampler;
  @Option(names = "--steps", defaultValue = "50", description = "steps per job (default: ${DEFAULT-VALUE})")
  int steps;
  @Option(names = "--n", defaultValue = "256", description = "samples per job (default: ${DEFAULT-VALUE})")
  int n;
  @Option(names = "--jobs", defaultValue = "24", description = "jobs per burst (default: ${DEFAULT-VALUE})")
  int jobs;
  @Option(names = "--repeats", defaultValue = "3", description = "measured bursts per scenario (default: ${DEFAULT-VALUE})")
  int repeats;
  @Option(names = "--threads", defaultValue = "1", description = "libtorch intra-op threads per node (default: ${DEFAULT-VALUE})")
  int threads;
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One scenario: the nodes to start (role per node; "embedded" is a single node without --cluster). */
  private record Scenario(String name, List<String> roles) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Path models = modelsDir != null ? modelsDir : ModelLoader.defaultModelsDir();
    if (!Files.isRegularFile(models.resolve(model).resolve("model.json"))) {
      throw new UsageError("--model: no model '" + model + "' in " + models);
    }
    Path tmp = Files.createTempDirectory("dpm-bench-cluster");
    Path config = tmp.resolve("dpm.yaml");
    Files.writeString(config, "intraOpThreads: " + threads + "\nmaxBatch: 256\nretentionHours: 0\n");
    List<Scenario> scenarios = List.of(
        new Scenario("embedded (one node, H2)", List.of("embedded")),
        new Scenario("cluster, one node (role all)", List.of("all")),
        new Scenario("cluster, API + 1 worker", List.of("api", "worker")),
        new Scenario("cluster, API + 2 workers", List.of("api", "worker", "worker")));
    List<double[]> results = new ArrayList<>();
    try (EmbeddedStore pg = EmbeddedStore.start(tmp.resolve("pg"), 0)) {
      int db = 0;
      for (Scenario s : scenarios) {
        String store = database(pg, "bench" + (db++));
        err.println("bench cluster: " + s.name() + " ...");
        err.flush();
        results.add(run(s, tmp.resolve("s" + db), models, config, store));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "Command: `./dpm bench cluster --model %s --sampler %s --steps %d --n %d --jobs %d "
        + "--repeats %d --threads %d` (%d cores)%n%n", model, sampler, steps, n, jobs, repeats, threads,
        Runtime.getRuntime().availableProcessors());
    out.println("| scenario | rows/s (median) | per worker | vs embedded |");
    out.println("|---|---:|---:|---:|");
    double base = results.get(0)[0];
    for (int i = 0; i < scenarios.size(); i++) {
      Scenario s = scenarios.get(i);
      long workers = Math.max(1, s.roles().stream().filter(r -> !r.equals("api")).count());
      double rps = results.get(i)[0];
      out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %+.1f %% |%n", s.name(), rps, rps / workers, 100 * (rps / base - 1));
    }
    out.flush();
    return 0;
  }

  private static String database(EmbeddedStore pg, String name) throws Exception {
    try (var c = java.sql.DriverManager.getConnection(pg.jdbcUrl()); var st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + name + "?user=postgres";
  }

  private double[] run(Scenario s, Path dir, Path models, Path config, String store) throws Exception {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < s.roles().size(); i++) {
      ports.add(freePort());
    }
    String members = String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
    List<Process> procs = new ArrayList<>();
    try {
      List<Path> data = new ArrayList<>();
      for (int i = 0; i < s.roles().size(); i++) {
        String role = s.roles().get(i);
        Path d = dir.resolve("node" + i);
        data.add(d);
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
            "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
            "dev.dpm.cli.ServeCommand", "--port", "0", "--data-dir", d.toString(), "--models", models.toString(),
            "--model", model, "--device", "cpu", "--config", config.toString()));
        if (!role.equals("embedded")) {
          cmd.addAll(List.of("--cluster", "--store", store, "--role", role, "--cluster-host", "127.0.0.1",
              "--cluster-port", Integer.toString(ports.get(i)), "--members", members, "--max-jobs", "64"));
        }
        Files.createDirectories(d);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(dir.resolve("node" + i + ".log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("DPM_"));
        procs.add(pb.start());
      }
      List<String> bases = new ArrayList<>();
      for (int i = 0; i < procs.size(); i++) {
        bases.add(awaitReady(procs.get(i), data.get(i)));
      }
      String api = bases.get(0);
      burst(api, 4); // warm-up: JIT, claims, first evaluations
      double[] rps = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        burst(api, jobs);
        rps[r] = (double) jobs * n * steps / ((System.nanoTime() - t0) / 1e9);
      }
      Arrays.sort(rps);
      return new double[] {rps[repeats / 2]};
    } finally {
      for (Process p : procs) {
        p.destroy();
      }
      for (Process p : procs) {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  /** Submits {@code count} jobs at once and waits until all have succeeded. */
  private void burst(String base, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String body = "{\"model\":\"" + model + "\",\"sampler\":{\"name\":\"" + sampler + "\",\"steps\":" + steps
          + "},\"n\":" + n + ",\"seed\":" + i + ",\"outputs\":[\"npy\"]}";
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 202) {
        throw new IllegalStateException("submit: " + r.statusCode() + " " + r.body());
      }
      ids.add(new JsonObject(r.body()).getString("id"));
    }
    long until = System.currentTimeMillis() + 600_000;
    for (String id : ids) {
      while (true) {
        JsonObject j = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + id)).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        String st = j.getString("status");
        if ("succeeded".equals(st)) {
          break;
        }
        if (!"queued".equals(st) && !"running".equals(st)) {
          throw new IllegalStateException("job " + id + " " + st + ": " + j.encode());
        }
        if (System.currentTimeMillis() > until) {
          throw new IllegalStateException("job " + id + " not finished");
        }
        Thread.sleep(20);
      }
    }
  }

  private String awaitReady(Process p, Path data) throws Exception {
    Path portFile = data.resolve(DpmServer.PORT_FILE);
    long until = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < until) {
      if (!p.isAlive()) {
        throw new IllegalStateException("a node exited with " + p.exitValue() + " (logs in " + data.getParent() + ")");
      }
      if (Files.isRegularFile(portFile)) {
        String base = "http://127.0.0.1:" + Files.readString(portFile).trim();
        try {
          if (http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return base;
          }
        } catch (java.io.IOException e) {
          // not listening yet
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("a node did not become ready (logs in " + data.getParent() + ")");
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
