package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.Condition;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code ./dpm sample} with an SN/NPR sampler on a conditional network with both heads (fixture
 * {@code tiny-cond-2d-heads}): a labelled sn-ddim run equals the driver alone; guidance other than w = 0 or 1 is a
 * usage error naming {@code --guidance}.
 */
class ConditionalHeadsCommandsTest {
  @Test
  void labelledSnSampleEqualsTheDriverAndGuidanceIsRefused() throws Exception {
    Path models = Cli.fixtures();
    Path out = java.nio.file.Files.createTempFile("cond-heads", ".npy");
    try {
      Cli.Result r = Cli.run("sample", "--models", models.toString(), "--model", "tiny-cond-2d-heads", "--label", "up",
          "--sampler", "sn-ddim", "--steps", "6", "--n", "3", "--seed", "2", "--out", out.toString());
      assertEquals(0, r.code(), r.toString());
      float[] got = Npy.read(out).toFloat32();
      try (LoadedModel lm = ModelLoader.load(models, "tiny-cond-2d-heads", Device.cpu())) {
        Condition[] c = new Condition[3];
        Arrays.fill(c, Condition.of(2));
        float[][] want = Driver.sample(((SamplerResult.Ok) Samplers.create(SamplerSettings.builder(SamplerKind.SN_DDIM)
            .optSteps(6).build(), lm.context())).sampler(), lm.conditional(), c, 2, 1, null);
        for (int i = 0; i < 3; i++) {
          assertArrayEquals(want[i], Arrays.copyOfRange(got, 2 * i, 2 * i + 2), "sample " + i);
        }
      }
      Cli.Result guided = Cli.run("sample", "--models", models.toString(), "--model", "tiny-cond-2d-heads", "--label",
          "up", "--guidance", "2", "--sampler", "npr-ddpm", "--steps", "6", "--n", "1", "--out", out.toString());
      assertNotEquals(0, guided.code());
      assertTrue(guided.err().contains("--guidance") && guided.err().contains("w = 0 or 1"), guided.err());
    } finally {
      java.nio.file.Files.deleteIfExists(out);
    }
  }
}
