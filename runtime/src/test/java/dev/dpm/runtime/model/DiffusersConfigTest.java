package dev.dpm.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.PredictionType;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.DiffusersSpacing;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The diffusers config reader, the manifest/config agreement and the TorchScript dtype check. */
class DiffusersConfigTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode reference() throws Exception {
    return JSON.readTree(GaussianFixtureTest.root().resolve("reference.json").toFile());
  }

  static ObjectNode cfg(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @Test
  void readsEveryFieldThatChangesTheMath() throws Exception {
    DiffusersConfig c = DiffusersConfig.parse(cfg("{\"num_train_timesteps\":500,\"beta_schedule\":\"scaled_linear\","
        + "\"beta_start\":0.00085,\"beta_end\":0.012,\"prediction_type\":\"v_prediction\",\"clip_sample\":true,"
        + "\"clip_sample_range\":2.5,\"timestep_spacing\":\"trailing\",\"steps_offset\":1,\"set_alpha_to_one\":false}"));
    assertEquals(PredictionType.V, c.prediction());
    assertEquals(new DataRange(-2.5, 2.5), c.dataRange());
    assertEquals(TrajectoryKind.TRAILING, c.spacing());
    assertEquals(1, c.stepsOffset());
    assertEquals(NoiseSchedule.scaledLinear(500, 0.00085, 0.012), c.schedule());
    assertTrue(c.notes().stream().anyMatch(n -> n.contains("set_alpha_to_one")), c.notes().toString());
    DiffusersConfig d = DiffusersConfig.parse(cfg("{\"beta_schedule\":\"linear\",\"clip_sample\":false}"));
    assertEquals(DataRange.UNBOUNDED, d.dataRange());
    assertEquals(TrajectoryKind.LEADING, d.spacing(), "diffusers' default spacing");
    assertEquals(NoiseSchedule.ofBetas(NoiseSchedule.linspace(1e-4, 0.02, 1000)), d.schedule(), "no 1000/N scaling");
    assertEquals(NoiseSchedule.cosine(1000),
        DiffusersConfig.parse(cfg("{\"beta_schedule\":\"squaredcos_cap_v2\"}")).schedule());
    assertEquals(3, DiffusersConfig.parse(cfg("{\"trained_betas\":[0.1,0.2,0.3]}")).schedule().steps());
  }

  @Test
  void refusesUnsupportedValuesNamingTheField() {
    String[][] cases = {
        {"{\"beta_schedule\":\"sigmoid\"}", "beta_schedule"},
        {"{\"prediction_type\":\"flow_prediction\"}", "prediction_type"},
        {"{\"timestep_spacing\":\"karras\"}", "timestep_spacing"},
        {"{\"thresholding\":true}", "thresholding"},
        {"{\"variance_type\":\"learned_range\"}", "variance_type"},
        {"{\"use_karras_sigmas\":true}", "use_karras_sigmas"},
        {"{\"steps_offset\":-1}", "steps_offset"},
        {"{\"trained_betas\":[0.1,1.5]}", "trained_betas"},
        {"{\"num_train_timesteps\":10,\"trained_betas\":[0.1,0.2]}", "trained_betas"},
        {"{\"clip_sample\":true,\"clip_sample_range\":0}", "clip_sample_range"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DiffusersConfig.parse(cfg(c[0])), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  @Test
  void epsilonAtZeroTerminalSnrIsRefusedWithTheReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DiffusersConfig.parse(
        cfg("{\"rescale_betas_zero_snr\":true,\"prediction_type\":\"epsilon\"}")));
    assertTrue(e.getMessage().contains("rescale_betas_zero_snr") && e.getMessage().contains("ᾱ_N = 0"), e.getMessage());
  }

  @Test
  void zeroTerminalSnrRescaleMatchesTheDefinition() throws Exception {
    JsonNode z = reference().path("zeroSnr");
    NoiseSchedule s = DiffusersConfig.parse(cfg("{\"beta_schedule\":\"scaled_linear\",\"beta_start\":0.00085,"
        + "\"beta_end\":0.012,\"rescale_betas_zero_snr\":true,\"prediction_type\":\"v_prediction\"}")).schedule();
    int n = s.steps();
    for (int i = 0; i < z.path("index").size(); i++) {
      int idx = z.path("index").get(i).asInt();
      double want = z.path("alphaBar").get(i).asDouble();
      if (idx == n) {
        assertEquals(0.0, want, 1e-20, "the definition gives ᾱ_N = 0");
        assertEquals(Math.min(DiffusersConfig.ZERO_SNR_ALPHA_BAR, s.alphaBar(n - 1) / 2), s.alphaBar(n), 1e-20);
      } else {
        assertEquals(want, s.alphaBar(idx), 1e-9 * want, "ᾱ_" + idx);
      }
    }
    assertTrue(s.alphaBar(n) < s.alphaBar(n - 1) && s.alphaBar(n) > 0);
  }

  @Test
  void spacingsMatchDdimSchedulerSetTimesteps() throws Exception {
    for (JsonNode c : reference().path("spacing")) {
      int n = c.path("n").asInt();
      int k = c.path("k").asInt();
      int[] want = JSON.convertValue(c.path("timesteps"), int[].class);
      Trajectory t = switch (c.path("kind").asText()) {
        case "leading" -> DiffusersSpacing.leading(n, k, c.path("offset").asInt());
        case "trailing" -> DiffusersSpacing.trailing(n, k);
        default -> DiffusersSpacing.linspace(n, k);
      };
      assertArrayEquals(want, t.timesteps(), c.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> DiffusersSpacing.leading(1000, 1000, 1), "past N");
  }

  static Path copyFixture(Path tmp, String name) throws Exception {
    Path src = GaussianFixtureTest.root().resolve(name);
    Path dst = tmp.resolve(name);
    Files.createDirectories(dst);
    for (String f : new String[] {"model.pt", "model.json", "scheduler_config.json"}) {
      Files.copy(src.resolve(f), dst.resolve(f));
    }
    return dst;
  }

  static void edit(Path dir, String field, Object value) throws IOException {
    ObjectNode m = (ObjectNode) JSON.readTree(dir.resolve("model.json").toFile());
    m.set(field, JSON.valueToTree(value));
    JSON.writeValue(dir.resolve("model.json").toFile(), m);
  }

  @Test
  void aManifestThatDisagreesWithItsConfigIsRefusedWithBothValues(@TempDir Path tmp) throws Exception {
    Path d = copyFixture(tmp, "g-v-lin-f32");
    edit(d, "prediction", "eps");
    IOException e = assertThrows(IOException.class, () -> ModelSpec.read(d));
    assertTrue(e.getMessage().contains("prediction is eps") && e.getMessage().contains("v_prediction"), e.getMessage());
    Path d2 = copyFixture(tmp.resolve("b"), "g-v-lin-f32");
    edit(d2, "dataRange", new double[] {-1, 1});
    e = assertThrows(IOException.class, () -> ModelSpec.read(d2));
    assertTrue(e.getMessage().contains("[-1.0, 1.0]") && e.getMessage().contains("unbounded"), e.getMessage());
    Path d3 = copyFixture(tmp.resolve("c"), "g-v-lin-f32");
    edit(d3, "trajectory", "trailing");
    e = assertThrows(IOException.class, () -> ModelSpec.read(d3));
    assertTrue(e.getMessage().contains("trailing") && e.getMessage().contains("leading"), e.getMessage());
    Path d4 = copyFixture(tmp.resolve("d"), "g-v-lin-f32");
    edit(d4, "prediction", "v");
    assertEquals(PredictionType.V, ModelSpec.read(d4).prediction(), "agreeing fields are fine");
  }

  @Test
  void anInt64NetworkDeclaredFloat32FailsWithLibtorchsOwnMessage(@TempDir Path tmp) throws Exception {
    Path d = copyFixture(tmp, "g-eps-lin-i64");
    edit(d, "timeDType", "float32");
    IOException e = assertThrows(IOException.class, () -> ModelLoader.load(ModelSpec.read(d), null));
    assertTrue(e.getMessage().contains("tensors used as indices must be long"), e.getMessage());
    assertTrue(e.getMessage().contains("t float32 [B]"), e.getMessage());
  }
}
