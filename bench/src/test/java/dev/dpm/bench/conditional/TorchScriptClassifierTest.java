package dev.dpm.bench.conditional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.core.model.DataRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled fashion-features network's {@code logits} method through DJL, and a network without it. */
class TorchScriptClassifierTest {
  static final Path TEST_IMAGES = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  static final Path TEST_LABELS = Path.of("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");

  @TempDir Path tmp;

  static Path root() {
    return Path.of(System.getProperty("dpm.root", "..")).toAbsolutePath();
  }

  @Test
  void bundledFeatureNetworkClassifiesFashionMnist() throws IOException {
    try (TorchScriptClassifier c = TorchScriptClassifier.open(root().resolve("models/fashion-features"), null)) {
      assertEquals(10, c.classes());
      assertTrue(c.describe().contains("logits"), c.describe());
      float[] z = c.logits(new float[2 * 784], 2);
      assertEquals(20, z.length);
      assertEquals(z[3], z[13], 1e-5f, "rows are independent: the same input gives the same logits");
      assumeTrue(Files.isRegularFile(TEST_IMAGES) && Files.isRegularFile(TEST_LABELS), "no Fashion-MNIST test set");
      int n = 300;
      DataSet test = DataSets.load(TEST_IMAGES, new int[] {1, 28, 28}, new DataRange(-1, 1), n);
      float[] y = DataSets.readArray(TEST_LABELS).toFloat32();
      int[] got = c.classify(test.flat(), n);
      int right = 0;
      for (int i = 0; i < n; i++) {
        right += got[i] == (int) y[i] ? 1 : 0;
      }
      // the manifest's test accuracy is 92.4 % over all 10,000; 300 rows leave a few points of slack
      assertTrue(right >= 0.85 * n, right + " of " + n);
    }
  }

  @Test
  void aNetworkWithoutLogitsIsRefusedByName() throws IOException {
    Path fixture = root().resolve("runtime/src/test/resources/fixtures/tiny-conv/model.pt");
    assumeTrue(Files.isRegularFile(fixture), "no tiny-conv fixture");
    Path dir = tmp.resolve("nolog");
    Files.createDirectories(dir);
    Files.copy(fixture, dir.resolve("model.pt"));
    Files.writeString(dir.resolve("model.json"), "{\"file\":\"model.pt\",\"sha256\":\""
        + ModelLoader.sha256(dir.resolve("model.pt")) + "\",\"inputShape\":[1,8,8],\"featureDim\":4}");
    IOException e = assertThrows(IOException.class, () -> TorchScriptClassifier.open(dir, null));
    assertTrue(e.getMessage().contains("no TorchScript method 'logits"), e.getMessage());
    Files.writeString(dir.resolve("model.json"), "{\"file\":\"model.pt\",\"sha256\":\"00\",\"inputShape\":[1,8,8]}");
    IOException bad = assertThrows(IOException.class, () -> TorchScriptClassifier.open(dir, null));
    assertTrue(bad.getMessage().contains("SHA-256"), bad.getMessage());
  }
}
