package dev.dpm.server;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.GammaJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.server.models.GammaFiles;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calibration jobs on the bundled {@code gmm-ring-2d} oracle: the Γ equals the core estimator's
 * (what {@code ./dpm calibrate} runs) bit for bit, is written in the canonical format, goes to the
 * data folder when the model folder cannot take it, and is installed again after a restart.
 */
class CalibrationTest {
  static final String NAME = "gmm-ring-2d";
  @TempDir Path tmp;

  private DpmServer start(Path models, Path data, int maxBatch) throws Exception {
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(data).modelsDir(models)
        .device("cpu").maxBatch(maxBatch).shutdownGraceSeconds(0).build();
    return DpmServer.start(cfg, new DefaultModelSource(), Samplers::create);
  }

  private static Gamma calibrate(Harness h, String body) throws Exception {
    HttpResponse<byte[]> r = h.send("POST", "/v1/models/" + NAME + "/calibrations", body);
    assertEquals(202, r.statusCode(), new String(r.body()));
    JsonObject job = h.await(h.json(r).getString("id"), 60_000);
    assertEquals("succeeded", job.getString("status"), job.encode());
    byte[] file = h.send("GET", job.getJsonObject("results").getString("json"), null).body();
    return GammaJson.parse(new ObjectMapper().readTree(file));
  }

  @Test
  void oracleCalibrationEqualsCoreEstimatorAndFallsBackToTheDataDirWhenTheFolderIsNotWritable() throws Exception {
    Path models = tmp.resolve("models");
    Path dir = models.resolve(NAME);
    Files.createDirectories(dir);
    Files.copy(Path.of(System.getProperty("dpm.root", "..")).resolve("models").resolve(NAME).resolve("model.json"),
        dir.resolve("model.json"));
    Path data = tmp.resolve("data");
    ModelSpec spec = ModelSpec.read(dir);
    NoiseSchedule sched = spec.schedule().build(dir);
    int m = 40;
    long seed = 4;
    // what ./dpm calibrate --model gmm-ring-2d --samples 40 --seed 4 computes
    DataSet rows = DataSet.ofRows(GaussianMixturePredictor.sampleData(spec.mixture(), ~seed, m), spec.sampleShape(),
        spec.dataRange(), "exact");
    Gamma want = Moments.estimate(ModelLoader.oracle(spec), sched, rows, seed, 256, null).toGamma(1000, null);

    Path fallback = GammaFiles.fallback(data, NAME);
    // a batch smaller than M: each step's rows are split over several evaluations and other jobs'
    try (Harness h = new Harness(start(models, data, 16))) {
      assertFalse(h.json(h.send("GET", "/v1/models/" + NAME, null)).getJsonObject("gamma").getBoolean("present"));
      // the model folder cannot take gamma.json: a non-empty directory of that name is in the way
      Files.createDirectories(dir.resolve("gamma.json").resolve("blocker"));
      String other = h.submit("{\"model\":\"" + NAME + "\",\"sampler\":{\"name\":\"ddpm\",\"steps\":200},\"n\":7,\"seed\":1}")
          .getString("id");
      Gamma got = calibrate(h, "{\"samples\":40,\"seed\":4,\"install\":true}");
      assertEquals("succeeded", h.await(other, 60_000).getString("status"));
      assertEquals(0.0, got.get(0), "Γ[0] = 0 (core convention)");
      assertArrayEquals(want.values(), got.values(), 0.0, "server == core estimator, bit for bit");
      assertArrayEquals(want.stdError(), got.stdError(), 0.0);
      assertEquals(40, got.provenance().samples());
      assertEquals(4, got.provenance().seed());
      assertNotNull(got.provenance().schedule());
      JsonObject g = h.json(h.send("GET", "/v1/models/" + NAME, null)).getJsonObject("gamma");
      assertTrue(g.getBoolean("present"));
      assertEquals("<dataDir>/gamma/" + NAME + ".json", g.getString("file"), "named without server paths");
      assertArrayEquals(want.values(), GammaJson.read(fallback, sched).values(), 0.0, "canonical file in the data dir");
      assertEquals(202, h.send("POST", "/v1/jobs", "{\"model\":\"" + NAME
          + "\",\"sampler\":{\"name\":\"analytic-ddim\",\"steps\":10},\"n\":2}").statusCode());
    }
    Files.delete(dir.resolve("gamma.json").resolve("blocker"));
    Files.delete(dir.resolve("gamma.json"));
    try (Harness h = new Harness(start(models, data, 64))) {
      JsonObject g = h.json(h.send("GET", "/v1/models/" + NAME, null)).getJsonObject("gamma");
      assertTrue(g.getBoolean("present"), "restored from the data dir after a restart");
      assertEquals("<dataDir>/gamma/" + NAME + ".json", g.getString("file"));
      // now the folder is writable: a new calibration goes there and the data-dir copy is removed
      Gamma again = calibrate(h, "{\"samples\":40,\"seed\":4,\"install\":true}");
      assertArrayEquals(want.values(), again.values(), 0.0, "another batch size, same Γ");
      assertTrue(Files.isRegularFile(dir.resolve("gamma.json")));
      assertFalse(Files.exists(fallback));
      g = h.json(h.send("GET", "/v1/models/" + NAME, null)).getJsonObject("gamma");
      assertEquals("gamma.json", g.getString("file"), "relative to the model's folder");
      // without install the model's Γ is left alone
      calibrate(h, "{\"samples\":10,\"seed\":9}");
      assertEquals(40, GammaJson.read(dir.resolve("gamma.json")).provenance().samples());
      // the control variate: same as the core estimator with it, bit for bit
      Gamma wantCv = Moments.estimate(ModelLoader.oracle(spec), sched, rows, seed, 256,
          new Moments.Options(0, true), null).toGamma(1000, null);
      Gamma cv = calibrate(h, "{\"samples\":40,\"seed\":4,\"controlVariate\":true}");
      assertArrayEquals(wantCv.values(), cv.values(), 0.0, "server == core estimator with the control variate");
      assertArrayEquals(wantCv.stdError(), cv.stdError(), 0.0);
      assertEquals(dev.dpm.core.moments.Estimator.MONTE_CARLO_CONTROL_VARIATE, cv.provenance().estimator());
    }
  }
}
