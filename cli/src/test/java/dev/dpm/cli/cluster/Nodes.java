package dev.dpm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dpm.cli.ChildServers;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: cluster nodes as child JVMs ({@code ./dpm serve --cluster}'s main class on the test class path, HTTP
 * port 0 read from the port file), their HTTP calls and WebSocket event streams.
 */
final class Nodes implements AutoCloseable {
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Process> started = new ArrayList<>();
  private final Path tmp;
  private final Path models;
  private final Path config;
  private final String store;
  private final List<String> members = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final Path keepLogs;

  /** A running node. */
  record Node(String id, Process process, Path data, Path log, String base) {}

  Nodes(Path tmp, Path models, Path config, String store, int count, Path keepLogs) throws Exception {
    this.tmp = tmp;
    this.keepLogs = keepLogs;
    this.models = models;
    this.config = config;
    this.store = store;
    for (int i = 0; i < count; i++) {
      int p = freePort();
      ports.add(p);
      members.add("127.0.0.1:" + p);
    }
  }

  static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A node being started. */
  record Launch(String id, Process process, Path data, Path log) {
  }

  /** Starts member {@code index} of the list with a role (returns once it is ready). */
  Node start(int index, String role, String id, String... extra) throws Exception {
    return ready(launch(index, role, id, extra));
  }

  /** Waits until a launched node is ready. */
  Node ready(Launch l) throws Exception {
    return new Node(l.id(), l.process(), l.data(), l.log(), awaitReady(l.process(), l.data(), l.log()));
  }

  /** Starts member {@code index} of the list with a role, without waiting. */
  Launch launch(int index, String role, String id, String... extra) throws Exception {
    Path data = tmp.resolve(id);
    Path log = tmp.resolve(id + ".log");
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.log.com.hazelcast=warn", "-cp", cp,
        "dev.dpm.cli.ServeCommand", "--port", "0", "--host", "127.0.0.1", "--data-dir", data.toString(),
        "--models", models.toString(), "--device", "cpu", "--config", config.toString(),
        "--cluster", "--store", store, "--role", role, "--cluster-host", "127.0.0.1",
        "--cluster-port", Integer.toString(ports.get(index)), "--members", String.join(",", members),
        "--node-id", id, "--lease-seconds", "2"));
    cmd.addAll(List.of(extra));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("DPM_"));
    Process p = pb.start();
    started.add(p);
    logs.add(log);
    return new Launch(id, p, data, log);
  }

  private String awaitReady(Process p, Path data, Path log) throws Exception {
    return ChildServers.awaitReady(p, data, log, "node", Duration.ofSeconds(90), http);
  }


  HttpResponse<byte[]> get(String base, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  JsonObject job(String base, String id) throws Exception {
    return new JsonObject(new String(get(base, "/v1/jobs/" + id).body()));
  }

  String submit(String base, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("id");
  }

  JsonObject cancel(String base, String id) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + id)).DELETE()
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body()).put("httpStatus", r.statusCode());
  }

  JsonObject await(String base, String id, long timeoutMs) throws Exception {
    long until = System.currentTimeMillis() + timeoutMs;
    JsonObject j;
    do {
      j = job(base, id);
      String s = j.getString("status");
      if (!"queued".equals(s) && !"running".equals(s)) {
        return j;
      }
      Thread.sleep(50);
    } while (System.currentTimeMillis() < until);
    throw new AssertionError("not finished: " + j.encode());
  }

  /** Collects the events of one job from a node's WebSocket. */
  Events events(String base, String id, Long after) throws Exception {
    Events e = new Events();
    String ws = base.replace("http://", "ws://") + "/v1/jobs/" + id + "/events" + (after == null ? "" : "?after=" + after);
    e.socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), e).get(10, TimeUnit.SECONDS);
    return e;
  }

  /** The events received on one socket. */
  static final class Events implements WebSocket.Listener {
    final List<JsonObject> received = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket socket;

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    boolean terminal() {
      for (JsonObject e : received) {
        String t = e.getString("type");
        if ("succeeded".equals(t) || "failed".equals(t) || "canceled".equals(t)) {
          return true;
        }
      }
      return false;
    }

    JsonObject awaitTerminal(long timeoutMs) throws InterruptedException {
      long until = System.currentTimeMillis() + timeoutMs;
      while (!terminal() && System.currentTimeMillis() < until) {
        Thread.sleep(20);
      }
      return received.isEmpty() ? null : received.get(received.size() - 1);
    }
  }

  void kill(Node n) throws InterruptedException {
    n.process().destroyForcibly();
    n.process().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    for (Process p : started) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
    try { // the nodes' logs stay in target/ for a look after a failure
      Files.createDirectories(keepLogs);
      for (Path l : logs) {
        Files.copy(l, keepLogs.resolve(l.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (java.io.IOException e) {
      // only diagnostics
    }
  }
}
