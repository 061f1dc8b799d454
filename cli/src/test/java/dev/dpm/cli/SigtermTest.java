package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graceful stop with a real signal: {@code ./dpm serve} runs as a separate JVM, gets SIGTERM
 * ({@link Process#destroy()}) while one job runs and another waits. The running job finishes within the grace period
 * and is persisted (nothing is logged as failed), its subscriber gets the terminal event before the socket closes, the
 * process exits within 2 s of that job's end, and after a restart the finished job is still succeeded and the queued
 * one runs.
 */
class SigtermTest {
  static final String MODEL = "gmm-ring-2d";
  @TempDir Path tmp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopChildren() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private Process launch(Path models, Path data, Path config, Path log) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dai.djl.offline=true", "-cp", cp,
        "dev.dpm.cli.ServeCommand", "--port", "0", "--host", "127.0.0.1", "--data-dir", data.toString(),
        "--models", models.toString(), "--device", "cpu", "--config", config.toString());
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("DPM_"));
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private String awaitReady(Process p, Path data, Path log) throws Exception {
    return ChildServers.awaitReady(p, data, log, "server", Duration.ofSeconds(60), http);
  }


  private HttpResponse<byte[]> get(String base, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private JsonObject job(String base, String id) throws Exception {
    return new JsonObject(new String(get(base, "/v1/jobs/" + id).body()));
  }

  private String submit(String base, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("id");
  }

  private JsonObject await(String base, String id) throws Exception {
    long until = System.currentTimeMillis() + 60_000;
    JsonObject j;
    do {
      j = job(base, id);
      String s = j.getString("status");
      if (!s.equals("queued") && !s.equals("running")) {
        return j;
      }
      Thread.sleep(25);
    } while (System.currentTimeMillis() < until);
    throw new AssertionError("not finished: " + j.encode());
  }

  /** Collects a socket's event types and its close code. */
  static final class Events implements WebSocket.Listener {
    final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        events.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }

    List<String> types() {
      return events.stream().map(e -> e.getString("type")).toList();
    }
  }

  @Test
  void sigtermLetsTheRunningJobFinishPersistsItAndExitsRightAfter() throws Exception {
    Path models = tmp.resolve("models");
    Path src = Path.of(System.getProperty("dpm.root", "..")).resolve("models").resolve(MODEL);
    Files.createDirectories(models.resolve(MODEL));
    for (String f : new String[] {"model.json", "gamma.json"}) {
      Files.copy(src.resolve(f), models.resolve(MODEL).resolve(f));
    }
    Path data = tmp.resolve("data");
    Path config = tmp.resolve("dpm.yaml");
    Files.writeString(config, "maxActiveJobs: 1\nprogressIntervalMs: 20\nmaxBatch: 64\nshutdownGraceSeconds: 60\n");
    String running = "{\"model\":\"" + MODEL + "\",\"sampler\":{\"name\":\"ddpm\",\"steps\":1000},\"n\":1024,\"seed\":2}";
    String waiting = "{\"model\":\"" + MODEL + "\",\"sampler\":{\"name\":\"ddim\",\"steps\":20},\"n\":8,\"seed\":3}";

    Path log1 = tmp.resolve("server-1.log");
    Process first = launch(models, data, config, log1);
    String base = awaitReady(first, data, log1);
    String b = submit(base, running);
    String c = submit(base, waiting);
    Events bEvents = new Events();
    http.newWebSocketBuilder().buildAsync(URI.create(base.replace("http", "ws") + "/v1/jobs/" + b + "/events"), bEvents)
        .get(10, TimeUnit.SECONDS);
    long until = System.currentTimeMillis() + 30_000;
    JsonObject bState;
    do {
      Thread.sleep(10);
      bState = job(base, b);
    } while (!bState.getString("status").equals("running") && System.currentTimeMillis() < until);
    assertEquals("running", bState.getString("status"), bState.encode());
    first.destroy(); // SIGTERM
    assertTrue(first.waitFor(60, TimeUnit.SECONDS), "exits after the drain");
    Instant exited = Instant.now();
    String log = Files.readString(log1);
    assertEquals(143, first.exitValue(), "ended by SIGTERM:\n" + log);
    assertTrue(log.contains("event=job-succeeded job=" + b), "B finished during the grace period:\n" + log);
    for (String bad : List.of("failed", "ERROR", "Database is already closed")) {
      assertFalse(log.contains(bad), "nothing logged as failed (" + bad + "):\n" + log);
    }
    assertEquals(1000, (int) bEvents.closed.get(10, TimeUnit.SECONDS),
        "B's socket closed normally after its end: " + bEvents.types());
    assertEquals("succeeded", bEvents.types().get(bEvents.types().size() - 1), bEvents.types().toString());

    Path log2 = tmp.resolve("server-2.log");
    Process second = launch(models, data, config, log2);
    base = awaitReady(second, data, log2);
    JsonObject bAfter = job(base, b);
    assertEquals("succeeded", bAfter.getString("status"), "persisted before the store closed: " + bAfter.encode());
    long lagMs = Duration.between(Instant.parse(bAfter.getString("finishedAt")), exited).toMillis();
    System.out.println("sigterm: the process exited " + lagMs + " ms after the last job's end (grace period 60 s)");
    assertTrue(lagMs <= 2_000, "exited " + lagMs + " ms after the last job's end (grace period 60 s)");
    assertEquals("succeeded", await(base, c).getString("status"), "the queued job runs after the restart");
    second.destroy();
    assertTrue(second.waitFor(30, TimeUnit.SECONDS));
  }
}
