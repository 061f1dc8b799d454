package dev.dpm.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.moments.Provenance;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplingProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Class-conditional manifests and TorchScript networks: forward(x, t, y), labels, guided batches. */
class ConditionalModelTest {
  @TempDir
  Path tmp;

  static Path fixture(String name) {
    return TorchScriptPredictorTest.fixture("conditional/" + name);
  }

  private static float[] checkInput(int d) {
    float[] x = new float[2 * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (0.01 * (i % 7 - 3));
    }
    return x;
  }

  @Test
  void loadsAConditionalNetworkAndMatchesPyTorch() throws IOException {
    for (String name : new String[] {"tiny-cond-2d", "tiny-cond-conv"}) {
      ModelSpec spec = ModelLoader.readFolder(fixture(name));
      try (LoadedModel m = ModelLoader.load(spec, null)) {
        ConditionalPredictor p = m.conditional();
        assertNotNull(p, name);
        assertTrue(p instanceof LabelledTorchScript);
        int null_ = spec.conditioning().nullLabel();
        assertEquals(null_, p.nullLabel());
        assertEquals(spec.conditioning().classes().size(), p.classCount());
        int d = spec.dimension();
        float[] eps = p.predictEps(checkInput(d), new double[] {1, 500.5}, new long[] {1, null_}, 2);
        var check = spec.raw().path("provenance").path("check");
        for (int j = 0; j < 2; j++) {
          assertEquals(check.path("first").get(j).asDouble(), eps[j], 2e-5, name);
          assertEquals(check.path("firstNull").get(j).asDouble(), eps[d + j], 2e-5, name);
        }
        // unconditional rows are null-label rows; labels change the prediction
        float[] uncond = p.predictEps(checkInput(d), new double[] {1, 500.5}, 2);
        assertArrayEquals(Arrays.copyOfRange(eps, d, 2 * d), Arrays.copyOfRange(uncond, d, 2 * d));
        assertFalse(Arrays.equals(Arrays.copyOfRange(eps, 0, d), Arrays.copyOfRange(uncond, 0, d)));
      }
    }
  }

  @Test
  void labelsResolveByIndexOrNameAndUnknownOnesNameTheAllowed() throws IOException {
    Conditioning c = ModelLoader.readFolder(fixture("tiny-cond-conv")).conditioning();
    assertEquals(7, c.resolve("sneaker"));
    assertEquals(7, c.resolve("Sneaker"));
    assertEquals(7, c.resolve(7));
    assertEquals(9, c.resolve("9"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.resolve("boot"));
    assertTrue(e.getMessage().contains("unknown label 'boot'") && e.getMessage().contains("7 (sneaker)"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.resolve(10));
    assertThrows(IllegalArgumentException.class, () -> c.resolve(-1));
    assertThrows(IllegalArgumentException.class, () -> c.resolve(2.5));
  }

  @Test
  void invalidConditioningBlocksAreRefusedNamingTheField() throws IOException {
    ObjectMapper json = new ObjectMapper();
    for (String[] bad : new String[][] {
        {"{\"type\":\"text\",\"classes\":[\"a\"],\"nullLabel\":1}", "conditioning.type"},
        {"{\"classes\":[\"a\",\"b\"],\"nullLabel\":1}", "conditioning.nullLabel"},
        {"{\"classes\":[\"a\",\"a\"],\"nullLabel\":2}", "conditioning.classes"},
        {"{\"classes\":[],\"nullLabel\":0}", "conditioning.classes"},
        {"{\"input\":\"float32\",\"classes\":[\"a\"],\"nullLabel\":1}", "conditioning.input"},
        {"{\"classes\":[\"a\"]}", "conditioning.nullLabel"}}) {
      Path dir = tmp.resolve("m" + Math.abs(bad[0].hashCode()));
      Files.createDirectories(dir);
      ObjectNode m = (ObjectNode) json.readTree(Files.readString(fixture("tiny-cond-2d").resolve("model.json")));
      m.set("conditioning", json.readTree(bad[0]));
      Files.writeString(dir.resolve("model.json"), m.toString());
      IOException e = assertThrows(IOException.class, () -> ModelSpec.read(dir));
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
  }

  /** A guided job on the TorchScript fixture, packed with other jobs' rows, is bit-identical to it alone. */
  @Test
  void guidedTorchScriptJobBatchedWithOthersIsBitIdenticalToAlone() throws IOException {
    try (LoadedModel m = ModelLoader.load(ModelLoader.readFolder(fixture("tiny-cond-2d")), null)) {
      ConditionalPredictor p = m.conditional();
      for (SamplerSettings s : List.of(
          SamplerSettings.builder(SamplerKind.DDIM).optSteps(12).optGuidance(3.0).build(),
          SamplerSettings.builder(SamplerKind.DPM_SOLVER_2M).optSteps(10).optGuidance(3.0).build())) {
        Sampler sampler = ((SamplerResult.Ok) Samplers.create(s, m.context())).sampler();
        Condition guided = new Condition(2, Guidance.of(3.0));
        Condition[] alone = new Condition[5];
        Arrays.fill(alone, guided);
        float[][] want = Driver.sample(sampler, p, alone, 3, 1, null);
        List<SamplingProcess> procs = new ArrayList<>();
        List<Condition> conds = new ArrayList<>();
        List<SamplingProcess> mine = new ArrayList<>();
        Condition[] others = {Condition.NONE, Condition.of(0), new Condition(1, Guidance.of(2.0)),
            new Condition(2, new Guidance(4.0, 0, 400))};
        NoiseSource a = new NoiseSource(3);
        NoiseSource b = new NoiseSource(99);
        for (int i = 0; i < 5; i++) {
          for (int k = 0; k < 3; k++) { // three other rows per guided row
            procs.add(sampler.start(b.stream(i * 3L + k)));
            conds.add(others[(i + k) % others.length]);
          }
          SamplingProcess q = sampler.start(a.stream(i));
          mine.add(q);
          procs.add(q);
          conds.add(guided);
        }
        Driver.run(procs, conds.toArray(new Condition[0]), p, 64, null);
        for (int i = 0; i < 5; i++) {
          assertArrayEquals(want[i], mine.get(i).sample(), s.kind().wire() + " sample " + i);
        }
      }
    }
  }

  @Test
  void guidedGammaFilesRoundTripAndAreReadBesideTheModel() throws IOException {
    Path dir = tmp.resolve("tiny-cond-2d");
    Files.createDirectories(dir);
    for (String f : new String[] {"model.json", "model.pt"}) {
      Files.copy(fixture("tiny-cond-2d").resolve(f), dir.resolve(f));
    }
    ModelSpec spec = ModelSpec.read(dir);
    var sched = spec.schedule().build(dir);
    double[][][] v = new double[3][2][1001];
    for (int c = 0; c < 3; c++) {
      for (int n = 1; n <= 1000; n++) {
        v[c][0][n] = 0.5 + 0.1 * c;
        v[c][1][n] = 0.7 + 0.1 * c;
      }
    }
    GuidedGamma g = new GuidedGamma(new double[] {1, 3}, false, v, Provenance.monteCarlo(spec.sha256(),
        "per label, test", 10, 1, ScheduleInfo.of("linear", sched)));
    GuidedGammaJson.write(g, spec.guidedGammaPath());
    try (LoadedModel m = ModelLoader.load(spec, null)) {
      GuidedGamma back = m.guidedGamma();
      assertNotNull(back);
      assertFalse(back.pooled());
      assertArrayEquals(new double[] {1, 3}, back.scales());
      assertEquals(0.7, back.interpolate(2.0, 1)[10], 1e-12); // linear between two points
      assertEquals("per label, test", back.provenance().data());
    }
    // made with another network file: ignored
    GuidedGammaJson.write(new GuidedGamma(new double[] {1, 3}, false, v, Provenance.monteCarlo("00ff", "x", 10, 1,
        ScheduleInfo.of("linear", sched))), spec.guidedGammaPath());
    assertNull(ModelLoader.guidedGamma(spec, sched));
  }
}
