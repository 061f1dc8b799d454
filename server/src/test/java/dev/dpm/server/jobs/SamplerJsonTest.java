package dev.dpm.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sampler object of the API: the parameters of edm-heun and unipc parse, bad ones are named. */
class SamplerJsonTest {
  @Test
  void newParametersParseAndEcho() {
    List<Problem> problems = new ArrayList<>();
    SamplerSettings s = SamplerJson.parse(new JsonObject().put("name", "edm-heun").put("steps", 18)
        .put("sigmas", "karras").put("s-churn", 40).put("s-tmin", 0.05).put("s-tmax", 50.0)
        .put("s-noise", 1.003), problems);
    assertEquals(List.of(), problems);
    assertEquals(SamplerKind.EDM_HEUN, s.kind());
    assertEquals(SigmasKind.KARRAS, s.sigmas());
    assertEquals(40.0, s.sChurn());
    assertEquals(1.003, s.sNoise());
    assertEquals("karras", SamplerJson.toJson(s).getString("sigmas"));
    SamplerSettings u = SamplerJson.parse(new JsonObject().put("name", "unipc").put("steps", 10).put("order", 3), problems);
    assertEquals(3, u.order());
    SamplerJson.parse(new JsonObject().put("name", "unipc").put("sigmas", "cosine").put("order", 2.5), problems);
    assertEquals(List.of("sampler.sigmas", "sampler.order"), problems.stream().map(Problem::field).toList());
  }
}
