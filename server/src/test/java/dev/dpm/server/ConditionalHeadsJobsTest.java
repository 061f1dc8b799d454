package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.DefaultModelSource;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A class-conditional network with the SN and NPR heads served (fixture {@code tiny-cond-2d-heads}): sn-/npr- jobs
 * with a label, without one, and at w = 1, sharing batches with a guided ddim job, each bit-identical to the driver
 * alone; sn-/npr- under guidance w ∉ {0, 1} is a 400 naming {@code sampler.guidance}.
 */
class ConditionalHeadsJobsTest {
  static final String NAME = "tiny-cond-2d-heads";

  @TempDir Path tmp;

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
  void labelledAndUnlabelledHeadJobsShareBatchesAndEqualTheDriverAlone() throws Exception {
    Path models = tmp.resolve("models");
    TorchScriptServeTest.copyFixture(NAME, models);
    try (Harness h = new Harness(start(models))) {
      JsonObject m = h.json(h.send("GET", "/v1/models/" + NAME, null));
      assertEquals(new JsonArray().add("eps2").add("epsc"), m.getJsonArray("heads"), m.encode());
      String sn = h.submit("{\"model\":\"" + NAME + "\",\"label\":\"up\",\"n\":8,\"seed\":3,"
          + "\"sampler\":{\"name\":\"sn-ddpm\",\"steps\":10}}").getString("id");
      String npr = h.submit("{\"model\":\"" + NAME + "\",\"n\":6,\"seed\":4,"
          + "\"sampler\":{\"name\":\"npr-ddim\",\"steps\":10}}").getString("id");
      String guided = h.submit("{\"model\":\"" + NAME + "\",\"label\":0,\"n\":10,\"seed\":5,"
          + "\"sampler\":{\"name\":\"ddim\",\"steps\":10,\"guidance\":3}}").getString("id");
      String w1 = h.submit("{\"model\":\"" + NAME + "\",\"labels\":[1,0,2,1],\"n\":4,\"seed\":6,"
          + "\"sampler\":{\"name\":\"sn-ddim\",\"steps\":8,\"guidance\":1}}").getString("id");
      for (String id : new String[] {sn, npr, guided, w1}) {
        assertEquals("succeeded", h.await(id, 120_000).getString("status"), id);
      }
      try (LoadedModel lm = ModelLoader.load(models, NAME, Device.cpu())) {
        float[][] want = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.SN_DDPM).optSteps(10).build(),
            lm.context()), lm.conditional(), same(8, Condition.of(2)), 3, 1, null);
        float[][] got = h.npy(sn, 8, 2);
        for (int i = 0; i < 8; i++) {
          assertArrayEquals(want[i], got[i], 0f, "sn-ddpm label 'up' sample " + i);
        }
        float[][] wantNpr = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.NPR_DDIM).optSteps(10).build(),
            lm.context()), lm.predictor(), 4, 6, 1, null);
        float[][] gotNpr = h.npy(npr, 6, 2);
        for (int i = 0; i < 6; i++) {
          assertArrayEquals(wantNpr[i], gotNpr[i], 0f, "npr-ddim unlabelled sample " + i);
        }
        Condition[] c = new Condition[4];
        int[] labels = {1, 0, 2, 1};
        for (int i = 0; i < 4; i++) {
          c[i] = new Condition(labels[i], Guidance.of(1.0));
        }
        float[][] wantW1 = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.SN_DDIM).optSteps(8)
            .optGuidance(1.0).build(), lm.context()), lm.conditional(), c, 6, 1, null);
        assertArrayEquals(wantW1[2], h.npy(w1, 4, 2)[2], 0f, "sn-ddim at w = 1");
        float[][] wantGuided = Driver.sample(sampler(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10)
            .optGuidance(3.0).build(), lm.context()), lm.conditional(), same(10, new Condition(0, Guidance.of(3.0))),
            5, 1, null);
        assertArrayEquals(wantGuided[9], h.npy(guided, 10, 2)[9], 0f, "the guided job beside the head jobs");
      }
      for (String s : new String[] {"sn-ddpm", "npr-ddim"}) {
        HttpResponse<byte[]> r = h.send("POST", "/v1/jobs", "{\"model\":\"" + NAME + "\",\"label\":0,"
            + "\"sampler\":{\"name\":\"" + s + "\",\"steps\":10,\"guidance\":3}}", "Content-Type", "application/json");
        assertEquals(400, r.statusCode(), new String(r.body()));
        JsonObject e = new JsonObject(new String(r.body())).getJsonArray("errors").getJsonObject(0);
        assertEquals("sampler.guidance", e.getString("field"));
        assertTrue(e.getString("message").contains("w = 0 or 1"), e.getString("message"));
      }
    }
  }
}
