package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.LabelledMixturePredictor;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.moments.Provenance;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.runtime.model.GuidedGammaJson;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.testkit.LabelledOracles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class labels and classifier-free guidance over HTTP: a labelled oracle and the conditional TorchScript fixtures,
 * guided jobs sharing evaluations with unguided and other guided jobs and still bit-identical to the driver alone,
 * the label problems, and the guided Γ under analytic-ddim.
 */
class GuidedJobsTest {
  static final Path FIXTURES = TorchScriptServeTest.FIXTURES.resolve("conditional");
  static final NoiseSchedule LINEAR = NoiseSchedule.linear(1000);

  @TempDir Path tmp;

  /** The two-component oracle of {@link LabelledOracles#PAIR} with classes "near" and "far". */
  private static void pairModel(Path models) throws Exception {
    Path dir = models.resolve("pair");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("model.json"), "{\"name\":\"pair\",\"kind\":\"gaussian-mixture\",\"sampleShape\":[2],"
        + "\"dataRange\":null,\"prediction\":\"eps\",\"timeInput\":\"index\",\"schedule\":{\"type\":\"linear\","
        + "\"steps\":1000},\"mixture\":{\"weights\":[0.3,0.7],\"means\":[[1.0,0.0],[-1.0,0.5]],\"stds\":[0.3,0.3]},"
        + "\"conditioning\":{\"type\":\"class-label\",\"input\":\"int64\",\"classes\":[\"near\",\"far\"],"
        + "\"nullLabel\":2}}");
  }

  private DpmServer start(Path models) throws Exception {
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(tmp.resolve("data"))
        .modelsDir(models).device("cpu").maxBatch(32).shutdownGraceSeconds(0).progressIntervalMs(0).build();
    return DpmServer.start(cfg, new DefaultModelSource(), Samplers::create);
  }

  private static Sampler sampler(SamplerSettings s, ModelContext ctx) {
    SamplerResult r = Samplers.create(s, ctx);
    if (r instanceof SamplerResult.Ok ok) {
      return ok.sampler();
    }
    throw new AssertionError(((SamplerResult.Invalid) r).problems());
  }

  private static Condition[] same(int n, Condition c) {
    Condition[] out = new Condition[n];
    Arrays.fill(out, c);
    return out;
  }

  @Test
  void guidedOracleJobsSharingBatchesEqualTheDriverAlone() throws Exception {
    Path models = tmp.resolve("models");
    pairModel(models);
    try (Harness h = new Harness(start(models));
        LabelledMixturePredictor p = new LabelledMixturePredictor(LabelledOracles.PAIR, LINEAR)) {
      JsonObject m = h.json(h.send("GET", "/v1/models/pair", null));
      assertEquals(new JsonArray().add("near").add("far"), m.getJsonObject("conditioning").getJsonArray("classes"));
      String guided = h.submit("{\"model\":\"pair\",\"label\":\"far\",\"n\":24,\"seed\":5,"
          + "\"sampler\":{\"name\":\"ddim\",\"steps\":20,\"guidance\":3}}").getString("id");
      String plain = h.submit("{\"model\":\"pair\",\"n\":30,\"seed\":6,\"sampler\":{\"name\":\"ddpm\",\"steps\":25}}")
          .getString("id");
      String mixed = h.submit("{\"model\":\"pair\",\"labels\":[0,\"far\",1,\"near\",0],\"n\":5,\"seed\":7,"
          + "\"sampler\":{\"name\":\"dpm-solver-2m\",\"steps\":15,\"guidance\":2}}").getString("id");
      String cond = h.submit("{\"model\":\"pair\",\"label\":0,\"n\":7,\"seed\":8,"
          + "\"sampler\":{\"name\":\"ddim\",\"steps\":20}}").getString("id");
      for (String id : new String[] {guided, plain, mixed, cond}) {
        assertEquals("succeeded", h.await(id, 60_000).getString("status"), id);
      }
      JsonObject job = h.job(guided);
      assertEquals(1, job.getInteger("label"));
      assertEquals(3.0, job.getJsonObject("sampler").getDouble("guidance"));
      assertEquals(new JsonArray().add(0).add(1).add(1).add(0).add(0), h.job(mixed).getJsonArray("labels"));
      ModelContext ctx = new ModelContext(LINEAR, 2, dev.dpm.core.model.DataRange.UNBOUNDED, false, null);
      float[][] want = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.DDIM).optSteps(20).optGuidance(3.0)
          .build(), ctx), p, same(24, new Condition(1, Guidance.of(3.0))), 5, 1, null);
      float[][] got = h.npy(guided, 24, 2);
      for (int i = 0; i < 24; i++) {
        assertArrayEquals(want[i], got[i], 0f, "guided sample " + i);
      }
      Condition[] mc = new Condition[5];
      int[] labels = {0, 1, 1, 0, 0};
      for (int i = 0; i < 5; i++) {
        mc[i] = new Condition(labels[i], Guidance.of(2.0));
      }
      float[][] wantMixed = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.DPM_SOLVER_2M).optSteps(15)
          .optGuidance(2.0).build(), ctx), p, mc, 7, 1, null);
      float[][] gotMixed = h.npy(mixed, 5, 2);
      for (int i = 0; i < 5; i++) {
        assertArrayEquals(wantMixed[i], gotMixed[i], 0f, "mixed-label sample " + i);
      }
      // the unconditional job on the conditional model is the mixture's own sampler output
      float[][] wantPlain = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.DDPM).optSteps(25).build(), ctx),
          p.unconditional(), 6, 30, 30, null);
      assertArrayEquals(wantPlain[29], h.npy(plain, 30, 2)[29], 0f);
      assertNull(h.job(plain).getValue("label"));
    }
  }

  @Test
  void labelProblemsAreFourHundredsNamingTheField() throws Exception {
    Path models = tmp.resolve("models");
    pairModel(models);
    TorchScriptServeTest.copyFixture("tiny-mlp-2d", models);
    try (Harness h = new Harness(start(models))) {
      String[][] cases = {
          {"{\"model\":\"pair\",\"label\":\"sneaker\",\"sampler\":{\"name\":\"ddim\"}}", "label", "0 (near), 1 (far)"},
          {"{\"model\":\"pair\",\"label\":5,\"sampler\":{\"name\":\"ddim\"}}", "label", "unknown label '5'"},
          {"{\"model\":\"pair\",\"labels\":[0,1],\"n\":3,\"sampler\":{\"name\":\"ddim\"}}", "labels", "one label per"},
          {"{\"model\":\"pair\",\"labels\":[0,\"x\"],\"n\":2,\"sampler\":{\"name\":\"ddim\"}}", "labels", "'x'"},
          {"{\"model\":\"pair\",\"label\":0,\"labels\":[0],\"sampler\":{\"name\":\"ddim\"}}", "labels", "not both"},
          {"{\"model\":\"pair\",\"sampler\":{\"name\":\"ddim\",\"guidance\":2}}", "sampler.guidance", "needs a label"},
          {"{\"model\":\"tiny-mlp-2d\",\"label\":0,\"sampler\":{\"name\":\"ddim\"}}", "label", "not class-conditional"},
          {"{\"model\":\"tiny-mlp-2d\",\"sampler\":{\"name\":\"ddim\",\"guidance\":2}}", "sampler.guidance",
              "not class-conditional"},
          {"{\"model\":\"pair\",\"label\":0,\"sampler\":{\"name\":\"ddim\",\"guidance\":-1}}", "sampler.guidance", ""},
          {"{\"model\":\"pair\",\"label\":0,\"sampler\":{\"name\":\"ddpm\",\"steps\":5,\"guidance\":3,"
              + "\"clipped-eps\":true}}", "sampler.clipped-eps", "applies only to ddim"},
          {"{\"model\":\"pair\",\"label\":0,\"sampler\":{\"name\":\"ode-euler\",\"steps\":5,"
              + "\"clipped-eps\":false}}", "sampler.clipped-eps", ""}};
      for (String[] c : cases) {
        HttpResponse<byte[]> r = h.send("POST", "/v1/jobs", c[0], "Content-Type", "application/json");
        assertEquals(400, r.statusCode(), c[0] + " -> " + new String(r.body()));
        String body = new String(r.body());
        if (!c[1].equals("sampler.guidance") || !c[2].isEmpty()) {
          JsonObject pb = new JsonObject(body);
          assertNotNull(pb.getJsonArray("errors"), body);
          JsonObject e = pb.getJsonArray("errors").getJsonObject(0);
          assertEquals(c[1], e.getString("field"), body);
          assertTrue(e.getString("message").contains(c[2]), body);
        }
      }
    }
  }

  /** analytic-ddim under guidance uses the guided Γ grid; without one (or outside it) it is a 400. */
  @Test
  void analyticSamplersUnderGuidanceUseTheGuidedGammaGrid() throws Exception {
    Path models = tmp.resolve("models");
    pairModel(models);
    try (Harness h = new Harness(start(models))) {
      HttpResponse<byte[]> r = h.send("POST", "/v1/jobs", "{\"model\":\"pair\",\"label\":1,\"sampler\":{\"name\":"
          + "\"analytic-ddim\",\"steps\":10,\"guidance\":2}}", "Content-Type", "application/json");
      assertEquals(400, r.statusCode());
      assertTrue(new String(r.body()).contains("no guided Γ grid"), new String(r.body()));
    }
    // a grid, estimated per label on the exact oracle: the job's Γ is the grid at w = 2 for label 1
    ModelSpec spec = ModelSpec.read(models.resolve("pair"));
    double[][][] v = new double[2][2][1001];
    for (int c = 0; c < 2; c++) {
      for (int n = 1; n <= 1000; n++) {
        for (int i = 0; i < 2; i++) {
          v[c][i][n] = LabelledOracles.guidedGamma(LabelledOracles.PAIR, LINEAR, c, 1 + 2 * i, n);
        }
      }
    }
    GuidedGamma grid = new GuidedGamma(new double[] {1, 3}, false, v,
        Provenance.closedForm("closed form, per label", ScheduleInfo.of("linear", LINEAR)));
    GuidedGammaJson.write(grid, spec.guidedGammaPath());
    try (Harness h = new Harness(start(models));
        LabelledMixturePredictor p = new LabelledMixturePredictor(LabelledOracles.PAIR, LINEAR)) {
      assertEquals(new JsonArray().add(1.0).add(3.0), h.json(h.send("GET", "/v1/models/pair", null))
          .getJsonObject("conditioning").getJsonObject("guidedGamma").getJsonArray("guidance"));
      String id = h.submit("{\"model\":\"pair\",\"label\":1,\"n\":6,\"seed\":2,\"sampler\":{\"name\":"
          + "\"analytic-ddim\",\"steps\":10,\"guidance\":2}}").getString("id");
      assertEquals("succeeded", h.await(id, 60_000).getString("status"));
      ModelContext ctx = new ModelContext(LINEAR, 2, dev.dpm.core.model.DataRange.UNBOUNDED, false,
          grid.interpolate(2.0, 1));
      float[][] want = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.ANALYTIC_DDIM).optSteps(10)
          .optGuidance(2.0).build(), ctx), p, same(6, new Condition(1, Guidance.of(2.0))), 2, 6, null);
      assertArrayEquals(want[5], h.npy(id, 6, 2)[5], 0f);
      HttpResponse<byte[]> out = h.send("POST", "/v1/jobs", "{\"model\":\"pair\",\"label\":1,\"sampler\":{\"name\":"
          + "\"analytic-ddpm\",\"steps\":10,\"guidance\":4}}", "Content-Type", "application/json");
      assertEquals(400, out.statusCode());
      assertTrue(new String(out.body()).contains("covers w in [1.0, 3.0]"), new String(out.body()));
    }
  }

  /**
   * The conditional TorchScript fixtures served: a guided job on tiny-cond-2d while other jobs share its batches
   * equals the driver alone; tiny-cond-conv (the fashion-mnist conditioning block) takes "sneaker".
   */
  @Test
  void conditionalTorchScriptJobsOverHttpEqualTheDriverAlone() throws Exception {
    Path models = tmp.resolve("models");
    for (String f : new String[] {"tiny-cond-2d", "tiny-cond-conv"}) {
      Path dst = models.resolve(f);
      Files.createDirectories(dst);
      for (String file : new String[] {"model.json", "model.pt"}) {
        Files.copy(FIXTURES.resolve(f).resolve(file), dst.resolve(file));
      }
    }
    try (Harness h = new Harness(start(models))) {
      String guided = h.submit("{\"model\":\"tiny-cond-2d\",\"label\":\"up\",\"n\":12,\"seed\":4,"
          + "\"sampler\":{\"name\":\"ddim\",\"steps\":15,\"guidance\":3}}").getString("id");
      String other = h.submit("{\"model\":\"tiny-cond-2d\",\"n\":20,\"seed\":9,\"sampler\":{\"name\":\"ddpm\","
          + "\"steps\":20}}").getString("id");
      String other2 = h.submit("{\"model\":\"tiny-cond-2d\",\"label\":0,\"n\":9,\"seed\":1,"
          + "\"sampler\":{\"name\":\"ddim\",\"steps\":10,\"guidance\":1.5}}").getString("id");
      String sneaker = h.submit("{\"model\":\"tiny-cond-conv\",\"label\":\"sneaker\",\"n\":2,\"seed\":0,"
          + "\"outputs\":[\"npy\",\"png\"],\"sampler\":{\"name\":\"ddim\",\"steps\":4,\"guidance\":3}}").getString("id");
      for (String id : new String[] {guided, other, other2, sneaker}) {
        assertEquals("succeeded", h.await(id, 120_000).getString("status"), id);
      }
      assertEquals(7, h.job(sneaker).getInteger("label"));
      assertEquals(200, h.send("GET", "/v1/jobs/" + sneaker + "/result?format=png", null).statusCode());
      try (LoadedModel lm = ModelLoader.load(models, "tiny-cond-2d", Device.cpu())) {
        ConditionalPredictor p = lm.conditional();
        float[][] want = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.DDIM).optSteps(15).optGuidance(3.0)
            .build(), lm.context()), p, same(12, new Condition(2, Guidance.of(3.0))), 4, 1, null);
        float[][] got = h.npy(guided, 12, 2);
        for (int i = 0; i < 12; i++) {
          assertArrayEquals(want[i], got[i], 0f, "guided TorchScript sample " + i);
        }
        float[][] unguided = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.DDIM).optSteps(15).build(),
            lm.context()), p, same(1, Condition.of(2)), 4, 1, null);
        assertFalse(Arrays.equals(unguided[0], got[0]), "guidance changed the sample");
      }
    }
  }

  /**
   * A guided-Γ calibration job on the labelled oracle equals {@link dev.dpm.core.moments.GuidedMoments#estimate} on the
   * same exact data and seed bit for bit, is installed as gamma-guided.json, and then serves analytic-ddim under
   * guidance.
   */
  @Test
  void guidedCalibrationJobEqualsGuidedMomentsAndIsInstalled() throws Exception {
    Path models = tmp.resolve("models");
    pairModel(models);
    try (Harness h = new Harness(start(models));
        LabelledMixturePredictor p = new LabelledMixturePredictor(LabelledOracles.PAIR, LINEAR)) {
      HttpResponse<byte[]> bad = h.send("POST", "/v1/models/pair/calibrations", "{\"samples\":20,\"perLabel\":true}",
          "Content-Type", "application/json");
      assertEquals(400, bad.statusCode(), new String(bad.body()));
      HttpResponse<byte[]> r = h.send("POST", "/v1/models/pair/calibrations",
          "{\"samples\":30,\"seed\":3,\"guidance\":[0,2,4],\"perLabel\":true,\"install\":true}",
          "Content-Type", "application/json");
      assertEquals(202, r.statusCode(), new String(r.body()));
      String id = h.json(r).getString("id");
      assertEquals("succeeded", h.await(id, 120_000).getString("status"));
      GuidedGamma got = GuidedGammaJson.read(models.resolve("pair/gamma-guided.json"), LINEAR);
      dev.dpm.core.data.DataSet[] classes = new dev.dpm.core.data.DataSet[2];
      for (int c = 0; c < 2; c++) {
        int m = Math.max(2, (int) Math.round(30 * LabelledOracles.PAIR.weights()[c]));
        var one = new dev.dpm.core.model.MixtureSpec(new double[] {1}, new double[][] {LabelledOracles.PAIR.means()[c]},
            new double[] {0.3});
        classes[c] = dev.dpm.core.data.DataSet.ofRows(dev.dpm.core.model.GaussianMixturePredictor.sampleData(one,
            ~3L - c, m), new int[] {2}, dev.dpm.core.model.DataRange.UNBOUNDED, "x");
      }
      GuidedGamma want = dev.dpm.core.moments.GuidedMoments.estimate(p, LINEAR, classes, new double[] {0, 2, 4}, false,
          3, 64, dev.dpm.core.moments.Moments.Options.PLAIN, null, null, null);
      for (int c = 0; c < 2; c++) {
        for (int i = 0; i < 3; i++) {
          assertArrayEquals(want.at(c, i), got.at(c, i), 0.0, "label " + c + " w index " + i);
        }
      }
      String job = h.submit("{\"model\":\"pair\",\"label\":1,\"n\":3,\"seed\":2,\"sampler\":{\"name\":"
          + "\"analytic-ddim\",\"steps\":10,\"guidance\":3}}").getString("id");
      assertEquals("succeeded", h.await(job, 60_000).getString("status"));
    }
  }
}
