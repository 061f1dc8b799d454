package dev.dpm.server;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.runtime.model.ModelLoader;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.models.DefaultModelSource;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server on the bundled oracle models with the core's samplers: HTTP result = Driver.sample. */
class OracleTest {
  @TempDir Path tmp;

  @Test
  void bundledOracleServedThroughHttpEqualsDriverSample() throws Exception {
    Path models = Path.of(System.getProperty("dpm.root", "..")).resolve("models");
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(tmp).modelsDir(models)
        .device("cpu").shutdownGraceSeconds(0).build();
    try (DpmServer s = DpmServer.start(cfg, new DefaultModelSource(), Samplers::create)) {
      assertTrue(s.awaitReady(20_000));
      var http = java.net.http.HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + s.port();
      ModelSpec spec = ModelSpec.read(models.resolve("gmm-ring-2d"));
      var ctx = s.models().get("gmm-ring-2d").context();
      // an SN-DPM job (ε and the eps2 head per step) beside plain ones, sharing the engine's batches
      String[] names = {"ddim", "sn-ddpm", "npr-ddim", "ddpm"};
      String[] ids = new String[names.length];
      for (int i = 0; i < names.length; i++) {
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/jobs"))
            .header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"gmm-ring-2d\",\"sampler\":{\"name\":\""
                + names[i] + "\",\"steps\":25},\"n\":16,\"seed\":7}")).build();
        var resp = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(202, resp.statusCode(), resp.body());
        ids[i] = new JsonObject(resp.body()).getString("id");
      }
      var refused = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/jobs"))
          .header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"fashion-mnist-uncond\",\"sampler\":{\"name\":\"npr-ddpm\",\"steps\":10},\"n\":1}")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(400, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("sampler.name") && refused.body().contains("epsc"), refused.body());
      for (int i = 0; i < names.length; i++) {
        String id = ids[i];
        JsonObject job;
        do {
          Thread.sleep(20);
          job = new JsonObject(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/jobs/" + id)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        } while (job.getString("status").equals("queued") || job.getString("status").equals("running"));
        assertEquals("succeeded", job.getString("status"), job.encode());
        byte[] npy = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v1/jobs/" + id + "/result?format=npy")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body();
        int hl = (npy[8] & 0xFF) | ((npy[9] & 0xFF) << 8);
        var buf = java.nio.ByteBuffer.wrap(npy, 10 + hl, npy.length - 10 - hl).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        var sampler = ((SamplerResult.Ok) Samplers.create(
            SamplerSettings.builder(SamplerKind.parse(names[i])).optSteps(25).build(), ctx)).sampler();
        float[][] want = Driver.sample(sampler, ModelLoader.oracle(spec), 7, 16, 5, null);
        for (float[] w : want) {
          float[] got = new float[2];
          got[0] = buf.getFloat();
          got[1] = buf.getFloat();
          assertArrayEquals(w, got, 0f, names[i]);
        }
        assertEquals(false, buf.hasRemaining());
      }
    }
  }
}
