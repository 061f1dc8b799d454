package dev.dpm.server.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.runtime.model.LabelledTorchScript;
import dev.dpm.runtime.model.TorchScriptPredictor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An API node's models ({@link DefaultModelSource#manifestsOnly}): everything a request is validated against — the
 * version (the network file's SHA-256), the schedule, the dimension, the heads, Γ and the class labels — is what a
 * worker that loads the network has, but no network is loaded and the stand-in refuses to be evaluated.
 */
class ManifestOnlySourceTest {
  static final Path FIXTURES = Path.of(System.getProperty("dpm.root", "..")).resolve("runtime/src/test/resources/fixtures");

  private static void sameAsLoaded(Path dir) throws Exception {
    try (ServedModel full = new DefaultModelSource().load(dir, "cpu");
        ServedModel manifest = DefaultModelSource.manifestsOnly().load(dir, "cpu")) {
      assertTrue(full.predictor() instanceof TorchScriptPredictor || full.predictor() instanceof LabelledTorchScript);
      assertFalse(manifest.predictor() instanceof TorchScriptPredictor, "no network loaded");
      assertFalse(manifest.predictor() instanceof LabelledTorchScript, "no network loaded");
      assertEquals("none", manifest.device());
      assertNotNull(manifest.sha256());
      assertEquals(full.sha256(), manifest.sha256(), "jobs are pinned to the same version");
      assertEquals(full.version(), manifest.version());
      assertEquals(full.context().schedule().steps(), manifest.context().schedule().steps());
      for (int n = 0; n <= full.context().schedule().steps(); n++) {
        assertEquals(full.context().schedule().alphaBar(n), manifest.context().schedule().alphaBar(n));
      }
      assertEquals(full.context().dimension(), manifest.context().dimension());
      assertEquals(full.context().heads(), manifest.context().heads());
      assertEquals(full.context().defaultTrajectory(), manifest.context().defaultTrajectory());
      assertEquals(full.context().stepsOffset(), manifest.context().stepsOffset());
      if (full.context().gamma() == null) {
        assertNull(manifest.context().gamma());
      } else {
        assertArrayEquals(full.context().gamma(), manifest.context().gamma());
      }
      assertEquals(full.conditional() == null, manifest.conditional() == null);
      if (full.conditional() != null) {
        assertEquals(full.conditional().classCount(), manifest.conditional().classCount());
        assertEquals(full.conditional().nullLabel(), manifest.conditional().nullLabel());
      }
      assertThrows(UnsupportedOperationException.class,
          () -> manifest.predictor().predictEps(new float[manifest.context().dimension()], new double[] {1}, 1));
    }
  }

  @Test
  void anUnconditionalNetworkIsServedFromItsManifest() throws Exception {
    sameAsLoaded(FIXTURES.resolve("tiny-mlp-2d"));
  }

  @Test
  void aClassConditionalNetworkKeepsItsLabels() throws Exception {
    sameAsLoaded(FIXTURES.resolve("conditional/tiny-cond-2d"));
  }
}
