package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.server.models.ModelSource;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model repository over HTTP on real TorchScript fixtures (tiny-mlp-2d and the Gaussian posterior-mean
 * networks): a broken folder next to good ones (the server starts, serves the good ones, lists the broken one with
 * its reason), the admin endpoints' refusals as problem bodies, and load, unload and reload while jobs run. A job is
 * held running by a gate in front of the real network (no timing: the test opens the gate when it is done looking).
 */
class ModelAdminTest {
  static final Path FIXTURES = TorchScriptServeTest.FIXTURES;
  static final String NAME = "tiny-mlp-2d";
  static final String JOB = "{\"model\":\"" + NAME + "\",\"sampler\":{\"name\":\"ddim\",\"steps\":10},\"n\":2,\"seed\":3}";
  @TempDir Path tmp;

  /** The real network behind a gate: evaluations wait while it is closed. */
  static final class Gated implements NoisePredictor {
    final NoisePredictor inner;
    volatile CountDownLatch gate = new CountDownLatch(0);
    final CountDownLatch entered = new CountDownLatch(1);
    volatile boolean closed;

    Gated(NoisePredictor inner) {
      this.inner = inner;
    }

    @Override
    public float[] predictEps(float[] x, double[] time, int batch) {
      entered.countDown();
      try {
        if (!gate.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (closed) {
        throw new IllegalStateException("evaluated after close");
      }
      return inner.predictEps(x, time, batch);
    }

    @Override
    public int dimension() {
      return inner.dimension();
    }

    @Override
    public void close() {
      closed = true;
      inner.close();
    }
  }

  /** Loads through the real source and puts each version's network behind its own gate. */
  static final class GatedSource implements ModelSource {
    final Map<String, Gated> byVersion = new ConcurrentHashMap<>();

    @Override
    public ServedModel load(Path dir, String device) throws java.io.IOException {
      ServedModel m = new DefaultModelSource().load(dir, device);
      Gated g = new Gated(m.predictor());
      byVersion.put(m.version(), g);
      return new ServedModel(m.spec(), g, m.context(), m.sha256(), m.device(), null);
    }
  }

  DpmServer start(Path models, ModelSource source) throws Exception {
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(tmp.resolve("data"))
        .modelsDir(models).device("cpu").maxActiveJobs(1).warmup(false).shutdownGraceSeconds(0)
        .progressIntervalMs(0).build();
    return DpmServer.start(cfg, source, Samplers::create);
  }

  static Path brokenCopy(Path models, String as) throws Exception {
    Path bad = ModelRegistryTest.copy(FIXTURES.resolve(NAME), models, as);
    String sha = ModelSpec.read(bad).sha256();
    ModelRegistryTest.set(bad, sha, "0".repeat(64));
    return bad;
  }

  static Map<String, JsonObject> byName(JsonObject list) {
    Map<String, JsonObject> m = new java.util.TreeMap<>();
    list.getJsonArray("items").forEach(o -> m.put(((JsonObject) o).getString("name"), (JsonObject) o));
    return m;
  }

  static JsonObject awaitStatus(Harness h, String id, String status) throws Exception {
    for (int i = 0; i < 3000; i++) {
      JsonObject j = h.job(id);
      if (status.equals(j.getString("status"))) {
        return j;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("job " + id + " never " + status + ": " + h.job(id));
  }

  static JsonObject problem(HttpResponse<byte[]> r, int status) {
    String body = new String(r.body());
    assertEquals(status, r.statusCode(), body);
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), body);
    return new JsonObject(body);
  }

  @Test
  void aBrokenFolderNextToGoodOnesIsListedWithItsReasonAndLoadsOnceFixed() throws Exception {
    Path models = tmp.resolve("models");
    ModelRegistryTest.copy(FIXTURES.resolve(NAME), models, NAME);
    Path dtype = ModelRegistryTest.copy(FIXTURES.resolve("gaussian/g-eps-lin-i64"), models, "wrong-dtype");
    ModelRegistryTest.set(dtype, "\"timeDType\": \"int64\"", "\"timeDType\": \"float32\"");
    Path hash = brokenCopy(models, "bad-hash");
    try (Harness h = new Harness(start(models, new DefaultModelSource()))) {
      Map<String, JsonObject> list = byName(h.json(h.send("GET", "/v1/models", null)));
      assertEquals(List.of("bad-hash", NAME, "wrong-dtype"), new ArrayList<>(list.keySet()));
      assertEquals("loaded", list.get(NAME).getString("status"));
      assertEquals(ModelSpec.read(models.resolve(NAME)).sha256(), list.get(NAME).getString("version"));
      assertNull(list.get(NAME).getString("error"));
      assertEquals("failed", list.get("bad-hash").getString("status"));
      assertTrue(list.get("bad-hash").getString("error").contains("0".repeat(64)), list.get("bad-hash").toString());
      assertEquals("failed", list.get("wrong-dtype").getString("status"));
      assertTrue(list.get("wrong-dtype").getString("error").contains("tensors used as indices must be long"),
          "libtorch's own line, not its traceback preamble: " + list.get("wrong-dtype"));
      assertFalse(list.get("wrong-dtype").containsKey("sampleShape"), "a failed model has no manifest to show");
      JsonObject one = h.json(h.send("GET", "/v1/models/wrong-dtype", null));
      assertEquals("failed", one.getString("status"));
      assertEquals(200, h.send("GET", "/health/ready", null).statusCode(), "readiness covers the models that loaded");
      // the good model serves jobs; the broken ones are unknown to submits
      JsonObject done = h.await(h.submit(JOB).getString("id"), 60_000);
      assertEquals("succeeded", done.getString("status"));
      assertEquals(list.get(NAME).getString("version"), done.getString("modelVersion"));
      HttpResponse<byte[]> refused = h.send("POST", "/v1/jobs", JOB.replace(NAME, "wrong-dtype"));
      assertEquals(400, refused.statusCode());

      // admin refusals, mapped to problems
      JsonObject missing = problem(h.send("POST", "/v1/admin/models/nope/load", null), 404);
      assertTrue(missing.getString("detail").contains("nope"), missing.encode());
      assertFalse(byName(h.json(h.send("GET", "/v1/models", null))).containsKey("nope"), "a typo is not a model");
      JsonObject twice = problem(h.send("POST", "/v1/admin/models/" + NAME + "/load", null), 409);
      assertTrue(twice.getString("detail").contains("already loaded"), twice.encode());
      JsonObject invalid = problem(h.send("POST", "/v1/admin/models/bad-hash/load", null), 400);
      assertEquals("name", invalid.getJsonArray("errors").getJsonObject(0).getString("field"));
      assertTrue(invalid.getString("detail").contains("0".repeat(64)), invalid.encode());
      problem(h.send("POST", "/v1/admin/models/nope/unload", null), 404);
      problem(h.send("POST", "/v1/admin/models/bad-hash/reload", null), 400);

      // fixed on disk, loaded without a restart, and served
      ModelRegistryTest.set(dtype, "\"timeDType\": \"float32\"", "\"timeDType\": \"int64\"");
      HttpResponse<byte[]> loaded = h.send("POST", "/v1/admin/models/wrong-dtype/load", null);
      assertEquals(200, loaded.statusCode(), new String(loaded.body()));
      JsonObject m = h.json(loaded);
      assertEquals("loaded", m.getString("status"));
      assertEquals(ModelSpec.read(dtype).sha256(), m.getString("version"));
      assertEquals("loaded", byName(h.json(h.send("GET", "/v1/models", null))).get("wrong-dtype").getString("status"));
      assertTrue(h.server.awaitReady(60_000));
      JsonObject g = h.await(h.submit(JOB.replace(NAME, "wrong-dtype")).getString("id"), 60_000);
      assertEquals("succeeded", g.getString("status"), g.encode());
      assertEquals(m.getString("version"), g.getString("modelVersion"));
      // still listed: the bad hash
      assertEquals("failed", byName(h.json(h.send("GET", "/v1/models", null))).get("bad-hash").getString("status"));
      assertTrue(Files.exists(hash));
    }
  }

  @Test
  void unloadWhileAJobRunsLetsItFinishAndFailsTheQueuedOnes() throws Exception {
    Path models = tmp.resolve("models");
    ModelRegistryTest.copy(FIXTURES.resolve(NAME), models, NAME);
    GatedSource source = new GatedSource();
    try (Harness h = new Harness(start(models, source))) {
      String v1 = ModelSpec.read(models.resolve(NAME)).sha256();
      Gated net = source.byVersion.get(v1);
      net.gate = new CountDownLatch(1);
      String running = h.submit(JOB).getString("id");
      assertTrue(net.entered.await(60, TimeUnit.SECONDS), "the job reached the network");
      assertEquals("running", h.job(running).getString("status"));
      String queued = h.submit(JOB).getString("id"); // maxActiveJobs 1: waits behind it
      assertEquals("queued", h.job(queued).getString("status"));

      JsonObject gone = h.json(h.send("POST", "/v1/admin/models/" + NAME + "/unload", null));
      assertEquals("unloaded", gone.getString("status"));
      assertEquals(v1, gone.getString("version"));
      assertEquals(1, gone.getInteger("runningJobs"));
      JsonObject failed = awaitStatus(h, queued, "failed");
      assertEquals("model-unloaded", failed.getJsonObject("error").getString("code"));
      assertEquals(400, h.send("POST", "/v1/jobs", JOB).statusCode(), "new jobs no longer find it");
      assertFalse(byName(h.json(h.send("GET", "/v1/models", null))).containsKey(NAME));
      assertFalse(net.closed, "the running job still holds the network");

      net.gate.countDown();
      JsonObject done = h.await(running, 60_000);
      assertEquals("succeeded", done.getString("status"), done.encode());
      assertEquals(v1, done.getString("modelVersion"));
      assertEquals(2, h.npy(running, 2, 2).length);
      for (int i = 0; i < 3000 && !net.closed; i++) {
        Thread.sleep(10);
      }
      assertTrue(net.closed, "closed after its last job");
      assertEquals(200, h.send("GET", "/health/ready", null).statusCode());

      // and loaded again
      assertEquals(200, h.send("POST", "/v1/admin/models/" + NAME + "/load", null).statusCode());
      assertEquals("succeeded", h.await(h.submit(JOB).getString("id"), 60_000).getString("status"));
    }
  }

  @Test
  void reloadWhileAJobRunsFinishesItOnTheOldVersionAndMovesTheQueuedOnes() throws Exception {
    Path models = tmp.resolve("models");
    Path dir = ModelRegistryTest.copy(FIXTURES.resolve(NAME), models, NAME);
    GatedSource source = new GatedSource();
    try (Harness h = new Harness(start(models, source))) {
      String v1 = ModelSpec.read(dir).sha256();
      Gated old = source.byVersion.get(v1);
      old.gate = new CountDownLatch(1);
      String running = h.submit(JOB).getString("id");
      assertTrue(old.entered.await(60, TimeUnit.SECONDS));
      String queued = h.submit(JOB).getString("id");
      assertEquals(v1, h.job(queued).getString("modelVersion"));

      // a changed file whose manifest still names the old hash: refused, the old version keeps serving
      Files.write(dir.resolve("model.pt"), new byte[] {0}, StandardOpenOption.APPEND);
      JsonObject stale = problem(h.send("POST", "/v1/admin/models/" + NAME + "/reload", null), 400);
      assertTrue(stale.getString("detail").contains(v1), stale.encode());
      assertEquals(v1, h.json(h.send("GET", "/v1/models/" + NAME, null)).getString("version"));
      // with its new hash: the new version serves
      String v2 = ModelLoader.sha256(dir.resolve("model.pt"));
      ModelRegistryTest.set(dir, v1, v2);
      HttpResponse<byte[]> r = h.send("POST", "/v1/admin/models/" + NAME + "/reload", null);
      assertEquals(200, r.statusCode(), new String(r.body()));
      assertEquals(v2, h.json(r).getString("version"));
      assertNotEquals(v1, v2);
      JsonObject moved = null;
      for (int i = 0; i < 3000; i++) {
        moved = h.job(queued);
        if (v2.equals(moved.getString("modelVersion"))) {
          break;
        }
        Thread.sleep(10);
      }
      assertEquals(v2, moved.getString("modelVersion"), "the queued job moves to the new version");
      assertEquals("running", h.job(running).getString("status"));
      assertEquals(v1, h.job(running).getString("modelVersion"), "a reload never rewrites a started job");
      assertFalse(old.closed);

      old.gate.countDown();
      JsonObject a = h.await(running, 60_000);
      JsonObject b = h.await(queued, 60_000);
      assertEquals("succeeded", a.getString("status"), a.encode());
      assertEquals("succeeded", b.getString("status"), b.encode());
      assertEquals(v1, a.getString("modelVersion"));
      assertEquals(v2, b.getString("modelVersion"));
      // the same network bytes (one appended byte changes the hash, not the weights): the same samples
      float[][] sa = h.npy(running, 2, 2);
      float[][] sb = h.npy(queued, 2, 2);
      for (int i = 0; i < 2; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(sa[i], sb[i], 0f);
      }
      for (int i = 0; i < 3000 && !old.closed; i++) {
        Thread.sleep(10);
      }
      assertTrue(old.closed, "the old version closes after its last job");
      assertFalse(source.byVersion.get(v2).closed);
      JsonArray items = h.json(h.send("GET", "/v1/models", null)).getJsonArray("items");
      assertEquals(1, items.size());
    }
  }

  @Test
  void theSdkListsFailedModelsAndRunsTheAdminOperations() throws Exception {
    Path models = tmp.resolve("models");
    ModelRegistryTest.copy(FIXTURES.resolve(NAME), models, NAME);
    brokenCopy(models, "bad-hash");
    try (Harness h = new Harness(start(models, new DefaultModelSource()));
        dev.dpm.client.DpmClient c = dev.dpm.client.DpmClient.builder().setBaseUrl(h.base).build()) {
      List<dev.dpm.client.Model> list = c.models();
      assertEquals(List.of("bad-hash", NAME), list.stream().map(dev.dpm.client.Model::name).toList());
      assertEquals(dev.dpm.client.Model.Status.FAILED, list.get(0).status());
      assertTrue(list.get(0).error().contains("0".repeat(64)), list.get(0).error());
      assertTrue(list.get(1).isLoaded());
      String v1 = list.get(1).version();
      assertEquals(v1, list.get(1).sha256());
      org.junit.jupiter.api.Assertions.assertThrows(dev.dpm.client.ValidationException.class,
          () -> c.loadModel("bad-hash"));
      org.junit.jupiter.api.Assertions.assertThrows(dev.dpm.client.ConflictException.class, () -> c.loadModel(NAME));
      org.junit.jupiter.api.Assertions.assertThrows(dev.dpm.client.NotFoundException.class, () -> c.unloadModel("nope"));
      dev.dpm.client.UnloadedModel u = c.unloadModel(NAME);
      assertEquals(v1, u.version());
      assertEquals(0, u.runningJobs());
      assertEquals(v1, c.loadModel(NAME).version());
      assertEquals(v1, c.reloadModel(NAME).version(), "the same file: the same version");
      dev.dpm.client.Job j = c.await(c.submit(dev.dpm.client.JobRequest.builder(NAME,
          dev.dpm.client.SamplerParams.of(dev.dpm.client.SamplerName.DDIM, 10)).optN(2).optSeed(1L).build()).id(),
          java.time.Duration.ofSeconds(60));
      assertEquals(v1, j.modelVersion());
    }
  }

  static dev.dpm.server.jobs.JobRecord queuedRecord(String id, String model, String version, int steps) {
    JsonObject spec = new JsonObject().put("sampler", new JsonObject().put("name", "ddim").put("steps", steps))
        .put("outputs", new JsonArray().add("npy")).put("previewEvery", 0).putNull("deadlineSeconds");
    return new dev.dpm.server.jobs.JobRecord(id, dev.dpm.server.jobs.JobKind.SAMPLE,
        dev.dpm.server.jobs.JobStatus.QUEUED, model, version, version, spec, 2, 3, null, null,
        java.time.Instant.now(), null, null, null, null, 0, steps, 0, 1000, null);
  }

  @Test
  void queuedJobsOfAFileChangedAcrossARestartRunOnTheNewVersionOrFailWithACode() throws Exception {
    Path models = tmp.resolve("models");
    ModelRegistryTest.copy(FIXTURES.resolve(NAME), models, NAME);
    String old = "f".repeat(64);
    try (var store = dev.dpm.server.jobs.JobStore.open(tmp.resolve("data"))) {
      store.insert(queuedRecord("j_moved", NAME, old, 10));
      store.insert(queuedRecord("j_toolong", NAME, old, 2000)); // more steps than the new version's N = 1000
      store.insert(queuedRecord("j_gone", "no-such-model", old, 10));
    }
    try (Harness h = new Harness(start(models, new DefaultModelSource()))) {
      String now = ModelSpec.read(models.resolve(NAME)).sha256();
      JsonObject moved = h.await("j_moved", 60_000);
      assertEquals("succeeded", moved.getString("status"), moved.encode());
      assertEquals(now, moved.getString("modelVersion"), "it ran on the version served now, and says so");
      assertEquals(now, moved.getString("modelSha256"));
      JsonObject tooLong = h.await("j_toolong", 60_000);
      assertEquals("model-changed", tooLong.getJsonObject("error").getString("code"), tooLong.encode());
      assertEquals(old, tooLong.getString("modelVersion"), "it never ran on the new version");
      JsonObject gone = h.await("j_gone", 60_000);
      assertEquals("model-unloaded", gone.getJsonObject("error").getString("code"), gone.encode());
    }
  }
}
