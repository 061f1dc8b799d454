package dev.dpm.server;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.runtime.model.GammaJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.results.NpyWriter;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript network served end to end: the {@code tiny-mlp-2d} fixture (9666 parameters, d = 2)
 * in a temporary models folder, loaded through {@link DefaultModelSource} (hash check), sampled over
 * HTTP while another job shares its batches, and compared with {@link Driver#sample} on the same
 * network loaded by {@link ModelLoader}; a calibration job over a data file on the server; and a
 * manifest whose hash does not match is refused at start.
 *
 * <p>Bit-identity on CPU: libtorch's kernels round the rows of an incomplete row block differently,
 * so {@code TorchScriptPredictor} pads every evaluation to whole blocks; the served job's bytes then
 * equal the driver's whatever the batch composition (see {@code BundledModelsTest}).
 */
class TorchScriptServeTest {
  static final Path FIXTURES = Path.of(System.getProperty("dpm.root", "..")).resolve("runtime/src/test/resources/fixtures");
  static final String NAME = "tiny-mlp-2d";

  @TempDir Path tmp;

  static Path copyFixture(String name, Path models) throws Exception {
    Path dst = models.resolve(name);
    Files.createDirectories(dst);
    for (String f : new String[] {"model.json", "model.pt"}) {
      Files.copy(FIXTURES.resolve(name).resolve(f), dst.resolve(f));
    }
    return dst;
  }

  private DpmServer start(Path models, Path data) throws Exception {
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(data).modelsDir(models)
        .device("cpu").maxBatch(64).shutdownGraceSeconds(0).progressIntervalMs(0).build();
    return DpmServer.start(cfg, new DefaultModelSource(), Samplers::create);
  }

  @Test
  void torchScriptJobOverHttpEqualsDriverSampleWhileSharingBatches() throws Exception {
    Path models = tmp.resolve("models");
    copyFixture(NAME, models);
    try (Harness h = new Harness(start(models, tmp.resolve("data")))) {
      JsonObject m = h.json(h.send("GET", "/v1/models/" + NAME, null));
      assertEquals("torchscript", m.getString("kind"));
      assertEquals("cpu", m.getString("device"));
      assertTrue(m.getBoolean("batchIndependent"), "the load-time probe found a row padding");
      assertTrue(m.getInteger("batchQuantum") >= 1 && m.getInteger("batchQuantum") <= 32, m.encode());
      assertEquals(ModelSpec.read(models.resolve(NAME)).sha256(), m.getString("sha256"));

      // two jobs with different samplers and step counts run together, so their rows share evaluations
      String a = h.submit("{\"model\":\"" + NAME + "\",\"sampler\":{\"name\":\"ddim\",\"steps\":20},\"n\":16,\"seed\":7}")
          .getString("id");
      String b = h.submit("{\"model\":\"" + NAME + "\",\"sampler\":{\"name\":\"ddpm\",\"steps\":30},\"n\":9,\"seed\":3}")
          .getString("id");
      Harness.Ws ws = h.ws("/v1/jobs/" + a + "/events");
      assertEquals("succeeded", h.await(a, 60_000).getString("status"));
      assertEquals("succeeded", h.await(b, 60_000).getString("status"));
      long lastSeq = -1;
      String type;
      do {
        JsonObject e = ws.next(10_000);
        assertTrue(e.getLong("seq") > lastSeq, "seq increases: " + e.encode());
        lastSeq = e.getLong("seq");
        type = e.getString("type");
      } while (!type.equals("succeeded"));

      float[][] gotA = h.npy(a, 16, 2);
      float[][] gotB = h.npy(b, 9, 2);
      try (LoadedModel lm = ModelLoader.load(models, NAME, Device.cpu())) {
        float[][] wantA = Driver.sample(sampler(SamplerKind.DDIM, 20, lm), lm.predictor(), 7, 16, 16, null);
        // batch 1 here: a different batch composition than on the server
        float[][] wantB = Driver.sample(sampler(SamplerKind.DDPM, 30, lm), lm.predictor(), 3, 9, 1, null);
        // A sees batches of 16 (alone) or 25 (with B) rows on the server and 16 in the driver; B
        // batches of 25 and 9 on the server and of 1 in the driver. The predictor pads every
        // evaluation to whole row blocks, so a row's ε does not depend on its batch: bit-identical.
        for (int i = 0; i < 16; i++) {
          assertArrayEquals(wantA[i], gotA[i], 0f, "job a sample " + i);
        }
        for (int i = 0; i < 9; i++) {
          assertArrayEquals(wantB[i], gotB[i], 0f, "job b sample " + i + " vs the driver at batch 1");
        }
      }
    }
  }

  @Test
  void calibrationOfANetworkFromADataFileEqualsMomentsEstimateAndSurvivesRestart() throws Exception {
    Path models = tmp.resolve("models");
    Path dir = copyFixture(NAME, models);
    int m = 24;
    float[][] rows = new float[m][2];
    float[] z = new float[2];
    NoiseSource src = new NoiseSource(99);
    for (int i = 0; i < m; i++) {
      src.gaussian(i, 0, z);
      rows[i][0] = 0.5f * z[0] + (i % 2 == 0 ? 1f : -1f);
      rows[i][1] = 0.5f * z[1];
    }
    Files.write(dir.resolve("data.npy"), NpyWriter.encode(rows, new int[] {2}));
    Path data = tmp.resolve("data");
    try (Harness h = new Harness(start(models, data))) {
      // a network needs a data file; paths outside the allowed folders are refused
      assertProblem(h.send("POST", "/v1/models/" + NAME + "/calibrations", "{\"samples\":24}"), "data");
      assertProblem(h.send("POST", "/v1/models/" + NAME + "/calibrations",
          "{\"samples\":24,\"data\":\"../../../../../../etc/hostname\"}"), "data");
      assertProblem(h.send("POST", "/v1/models/" + NAME + "/calibrations",
          "{\"samples\":24,\"data\":\"nope.npy\"}"), "data");
      assertProblem(h.send("POST", "/v1/models/" + NAME + "/calibrations",
          "{\"samples\":25,\"data\":\"data.npy\"}"), "data");
      assertEquals(400, h.send("POST", "/v1/jobs", "{\"model\":\"" + NAME
          + "\",\"sampler\":{\"name\":\"analytic-ddpm\",\"steps\":10}}").statusCode(), "no Γ yet");

      HttpResponse<byte[]> r = h.send("POST", "/v1/models/" + NAME + "/calibrations",
          "{\"samples\":24,\"seed\":5,\"data\":\"data.npy\",\"install\":true}");
      assertEquals(202, r.statusCode(), new String(r.body()));
      JsonObject job = h.await(h.json(r).getString("id"), 60_000);
      assertEquals("succeeded", job.getString("status"), job.encode());
      byte[] file = h.send("GET", job.getJsonObject("results").getString("json"), null).body();
      Gamma served = GammaJson.parse(new ObjectMapper().readTree(file));

      try (LoadedModel lm = ModelLoader.load(models, NAME, Device.cpu())) {
        // the Γ file beside the model is what the loader now reads
        assertNotNull(lm.gamma(), "model folder gamma.json is read by ModelLoader: " + lm.gammaNote());
        assertArrayEquals(served.values(), lm.gamma(), 0.0);
        Moments.Estimate est = Moments.estimate(lm.predictor(), lm.schedule(),
            DataSets.load(dir.resolve("data.npy"), lm.spec(), m), 5, m, null);
        double[] want = est.toGamma(1000, null).values();
        assertEquals(0.0, served.get(0), "Γ[0] = 0 as in core");
        assertArrayEquals(want, served.values(), 0.0, "server calibration == ./dpm calibrate's estimator");
        assertArrayEquals(est.toGamma(1000, null).stdError(), served.stdError(), 0.0);
      }
      assertEquals(ModelSpec.read(dir).sha256(), served.provenance().modelSha256());
      assertEquals(24, served.provenance().samples());
      JsonObject model = h.json(h.send("GET", "/v1/models/" + NAME, null));
      assertEquals(true, model.getJsonObject("gamma").getBoolean("present"));
      assertEquals("gamma.json", model.getJsonObject("gamma").getString("file"), "named relative to the model folder");
      assertEquals(202, h.send("POST", "/v1/jobs", "{\"model\":\"" + NAME
          + "\",\"sampler\":{\"name\":\"analytic-ddpm\",\"steps\":10},\"n\":2}").statusCode());
    }
    try (Harness h = new Harness(start(models, data))) {
      JsonObject model = h.json(h.send("GET", "/v1/models/" + NAME, null));
      assertEquals(true, model.getJsonObject("gamma").getBoolean("present"), "Γ survives a restart");
      String id = h.submit("{\"model\":\"" + NAME + "\",\"sampler\":{\"name\":\"analytic-ddpm\",\"steps\":10},\"n\":2}")
          .getString("id");
      assertEquals("succeeded", h.await(id, 60_000).getString("status"));
    }
  }

  @Test
  void aModelWhoseFileDoesNotMatchItsManifestIsListedAsFailedAndTheOthersAreServed() throws Exception {
    Path models = tmp.resolve("models");
    copyFixture(NAME, models);
    Path bad = models.resolve("broken");
    Files.createDirectories(bad);
    Files.copy(FIXTURES.resolve(NAME).resolve("model.pt"), bad.resolve("model.pt"));
    String json = Files.readString(FIXTURES.resolve(NAME).resolve("model.json"));
    String sha = ModelSpec.read(FIXTURES.resolve(NAME)).sha256();
    Files.writeString(bad.resolve("model.json"), json.replace(sha, "0".repeat(64)).replace("\"" + NAME + "\"", "\"broken\""));
    DpmServer server = start(models, tmp.resolve("data")); // starts although one model is refused
    try (Harness h = new Harness(server)) {
      var st = server.models().statuses();
      assertEquals(List.of("broken", NAME), st.stream().map(ModelRegistry.ModelStatus::name).toList());
      var broken = st.get(0);
      assertEquals("failed", broken.status());
      assertTrue(broken.reason().contains(sha) && broken.reason().contains("0".repeat(64)), broken.reason());
      assertEquals("loaded", st.get(1).status());
      assertEquals(sha, st.get(1).version());
      assertEquals(null, server.models().get("broken"));
      String id = h.submit("{\"model\":\"" + NAME + "\",\"sampler\":{\"name\":\"ddim\",\"steps\":10},\"n\":2}")
          .getString("id");
      assertEquals("succeeded", h.await(id, 60_000).getString("status"), "the good model is served");
      assertTrue(server.awaitReady(60_000), "readiness covers the models that loaded");
    }
  }

  static dev.dpm.core.sampler.Sampler sampler(SamplerKind kind, int steps, LoadedModel lm) {
    SamplerResult r = Samplers.create(SamplerSettings.builder(kind).optSteps(steps).build(), lm.context());
    return ((SamplerResult.Ok) r).sampler();
  }

  static void assertProblem(HttpResponse<byte[]> r, String field) {
    String body = new String(r.body());
    assertEquals(400, r.statusCode(), body);
    JsonObject p = new JsonObject(body);
    List<String> fields = new ArrayList<>();
    p.getJsonArray("errors", new io.vertx.core.json.JsonArray()).forEach(o -> fields.add(((JsonObject) o).getString("field")));
    assertTrue(fields.contains(field), body);
  }
}
