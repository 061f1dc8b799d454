package dev.dpm.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.moments.Provenance;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model folders: listing, unknown names, the SHA-256 check, Γ files and their staleness. */
class ModelLoaderTest {
  @TempDir
  Path tmp;

  private Path copyFixture(String name) throws IOException {
    Path src = TorchScriptPredictorTest.fixture(name);
    Path dst = tmp.resolve(name);
    Files.createDirectories(dst);
    for (String f : new String[] {"model.json", "model.pt"}) {
      Files.copy(src.resolve(f), dst.resolve(f));
    }
    return dst;
  }

  @Test
  void listsModelsByName() throws IOException {
    copyFixture("tiny-mlp-2d");
    copyFixture("tiny-conv");
    Files.createDirectories(tmp.resolve("not-a-model"));
    List<ModelSpec> specs = ModelLoader.list(tmp);
    assertEquals(List.of("tiny-conv", "tiny-mlp-2d"), specs.stream().map(ModelSpec::name).toList());
    assertTrue(ModelLoader.list(tmp.resolve("absent")).isEmpty());
  }

  @Test
  void unknownModelNamesTheAvailableOnes() throws IOException {
    copyFixture("tiny-mlp-2d");
    IOException e = assertThrows(IOException.class, () -> ModelLoader.spec(tmp, "nope"));
    assertTrue(e.getMessage().contains("unknown model 'nope'") && e.getMessage().contains("tiny-mlp-2d"),
        e.getMessage());
    assertThrows(IOException.class, () -> ModelLoader.spec(tmp, "../etc"));
  }

  @Test
  void loadsTorchScriptAndRefusesATamperedFile() throws IOException {
    Path dir = copyFixture("tiny-mlp-2d");
    try (LoadedModel m = ModelLoader.load(tmp, "tiny-mlp-2d")) {
      assertTrue(m.predictor() instanceof TorchScriptPredictor);
      assertNull(m.gamma());
      assertNull(m.context().gamma());
      assertEquals(2, m.context().dimension());
    }
    byte[] b = Files.readAllBytes(dir.resolve("model.pt"));
    b[b.length / 2] ^= 1;
    Files.write(dir.resolve("model.pt"), b);
    IOException e = assertThrows(IOException.class, () -> ModelLoader.load(tmp, "tiny-mlp-2d"));
    assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains("refusing"), e.getMessage());
  }

  @Test
  void readsGammaAndIgnoresOneMadeWithAnotherNetwork() throws IOException {
    Path dir = copyFixture("tiny-mlp-2d");
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    double[] g = Moments.isotropicGaussian(sched, 0.25);
    String sha = ModelLoader.sha256(dir.resolve("model.pt"));
    GammaJson.write(new Gamma(g, new double[g.length],
        Provenance.monteCarlo(sha, "test", 10, 0, ScheduleInfo.of("linear", sched))), dir.resolve("gamma.json"));
    try (LoadedModel m = ModelLoader.load(tmp, "tiny-mlp-2d")) {
      assertNotNull(m.gamma());
      assertEquals(g[500], m.context().gamma()[500]);
      assertNull(m.gammaNote());
    }
    GammaJson.write(new Gamma(g, new double[g.length],
        Provenance.monteCarlo("00" + sha.substring(2), "test", 10, 0, ScheduleInfo.of("linear", sched))), dir.resolve("gamma.json"));
    try (LoadedModel m = ModelLoader.load(tmp, "tiny-mlp-2d")) {
      assertNull(m.gamma());
      assertTrue(m.gammaNote().contains("another network"), m.gammaNote());
    }
    assertNull(ModelLoader.context(ModelLoader.spec(tmp, "tiny-mlp-2d")).gamma());
  }

  @Test
  void gammaOfAnotherScheduleIsRefused() throws IOException {
    Path dir = copyFixture("tiny-mlp-2d");
    NoiseSchedule other = NoiseSchedule.cosine(1000);
    double[] g = Moments.isotropicGaussian(other, 0.25);
    GammaJson.write(new Gamma(g, new double[g.length], Provenance.closedForm("test", ScheduleInfo.of("cosine", other))), dir.resolve("gamma.json"));
    IOException e = assertThrows(IOException.class, () -> ModelLoader.load(tmp, "tiny-mlp-2d"));
    assertTrue(e.getMessage().contains("schedule"), e.getMessage());
  }
}
