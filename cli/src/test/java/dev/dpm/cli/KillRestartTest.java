package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.DpmServer;
import dev.dpm.core.sampler.SamplerKind;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery with a real crash: the server runs as a separate JVM ({@code ./dpm serve}'s main
 * class on the test class path, port 0, its port read from {@code <dataDir>/server.port}), is
 * killed with SIGKILL ({@link Process#destroyForcibly()}) while one job runs and another waits, and
 * is started again on the same data folder. The finished job's result is still there byte for byte,
 * and the running and queued jobs run again to exactly the bytes {@link Driver#sample} gives.
 */
class KillRestartTest {
  static final String MODEL = "gmm-ring-2d";
  @TempDir Path tmp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopChildren() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroy(); // SIGTERM: graceful shutdown hook
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
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

  /** Waits for the child to write its port and become ready; returns the base URL. */
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

  @Test
  void killNineMidJobThenRestartLosesNothingAndReRunsToTheSameBytes() throws Exception {
    Path models = tmp.resolve("models");
    Path src = Path.of(System.getProperty("dpm.root", "..")).resolve("models").resolve(MODEL);
    Files.createDirectories(models.resolve(MODEL));
    for (String f : new String[] {"model.json", "gamma.json"}) {
      Files.copy(src.resolve(f), models.resolve(MODEL).resolve(f));
    }
    Path data = tmp.resolve("data");
    Path config = tmp.resolve("dpm.yaml");
    // one job at a time, so the third job is still queued when the second is killed
    // (child JVMs run with C1 only and the serial GC: they start in ~3 s instead of ~8 s on 2 busy cores)
    Files.writeString(config, "maxActiveJobs: 1\nprogressIntervalMs: 20\nmaxBatch: 64\n");

    String jobA = "{\"model\":\"" + MODEL + "\",\"sampler\":{\"name\":\"ddim\",\"steps\":20},\"n\":8,\"seed\":1}";
    String jobB = "{\"model\":\"" + MODEL + "\",\"sampler\":{\"name\":\"ddpm\",\"steps\":1000},\"n\":1024,\"seed\":2}";
    String jobC = "{\"model\":\"" + MODEL + "\",\"sampler\":{\"name\":\"analytic-ddpm\",\"steps\":50},\"n\":16,\"seed\":3}";

    Path log1 = tmp.resolve("server-1.log");
    Process first = launch(models, data, config, log1);
    String base = awaitReady(first, data, log1);
    String a = submit(base, jobA);
    assertEquals("succeeded", await(base, a).getString("status"));
    byte[] aBytes = get(base, "/v1/jobs/" + a + "/result?format=npy").body();
    String b = submit(base, jobB);
    String c = submit(base, jobC);
    // kill -9 once B has made some progress (C waits behind it)
    long until = System.currentTimeMillis() + 30_000;
    JsonObject bState;
    do {
      Thread.sleep(10);
      bState = job(base, b);
    } while (!(bState.getString("status").equals("running")
        && bState.getJsonObject("progress").getDouble("fraction") >= 0.05) && System.currentTimeMillis() < until);
    assertEquals("running", bState.getString("status"), "B must be running when killed: " + bState.encode());
    assertEquals("queued", job(base, c).getString("status"));
    first.destroyForcibly();
    assertTrue(first.waitFor(10, TimeUnit.SECONDS));
    assertEquals(137, first.exitValue(), "killed by SIGKILL");

    Files.deleteIfExists(data.resolve(DpmServer.PORT_FILE)); // the killed server could not remove it
    Path log2 = tmp.resolve("server-2.log");
    Process second = launch(models, data, config, log2);
    base = awaitReady(second, data, log2);
    JsonObject aAfter = job(base, a);
    assertEquals("succeeded", aAfter.getString("status"));
    assertArrayEquals(aBytes, get(base, "/v1/jobs/" + a + "/result?format=npy").body(), "finished result kept");
    assertEquals("succeeded", await(base, b).getString("status"));
    assertEquals("succeeded", await(base, c).getString("status"));
    String log = Files.readString(log2);
    assertTrue(log.contains("event=job-requeued job=" + b), "B was running at the kill and re-ran:\n" + log);

    try (LoadedModel lm = ModelLoader.load(models, MODEL)) {
      assertArrayEquals(aBytes, npy(Driver.sample(sampler(SamplerKind.DDIM, 20, lm),
          lm.predictor(), 1, 8, 64, null)));
      assertArrayEquals(npy(Driver.sample(sampler(SamplerKind.DDPM, 1000, lm),
          lm.predictor(), 2, 1024, 64, null)), get(base, "/v1/jobs/" + b + "/result?format=npy").body(),
          "running job re-ran to the same bytes");
      assertArrayEquals(npy(Driver.sample(sampler(SamplerKind.ANALYTIC_DDPM, 50, lm),
          lm.predictor(), 3, 16, 64, null)), get(base, "/v1/jobs/" + c + "/result?format=npy").body(),
          "queued job ran to the same bytes");
    }
  }

  /** The server's npy encoding of [n][2] samples. */
  private static byte[] npy(float[][] samples) {
    return dev.dpm.server.results.NpyWriter.encode(samples, new int[] {2});
  }

  static dev.dpm.core.sampler.Sampler sampler(SamplerKind kind, int steps, LoadedModel lm) {
    SamplerResult r = Samplers.create(SamplerSettings.builder(kind).optSteps(steps).build(), lm.context());
    return ((SamplerResult.Ok) r).sampler();
  }
}
