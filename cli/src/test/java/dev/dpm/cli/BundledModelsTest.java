package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.runtime.model.LabelledTorchScript;
import dev.dpm.runtime.model.TorchScriptPredictor;
import dev.dpm.core.noise.NoiseSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every TorchScript model bundled under {@code models/} and every test fixture loads through the
 * real DJL path (libtorch 2.7.1): its file matches the manifest's SHA-256, and a batch gives ε of
 * the right shape with finite values at early, middle and late steps.
 */
class BundledModelsTest {

  static Stream<ModelSpec> torchScriptModels() throws IOException {
    List<ModelSpec> all = new ArrayList<>();
    for (Path dir : List.of(Cli.models(), Cli.fixtures())) {
      for (ModelSpec s : ModelLoader.list(dir)) {
        if (s.kind() == ModelKind.TORCHSCRIPT) {
          all.add(s);
        }
      }
    }
    assertTrue(all.stream().anyMatch(s -> s.name().equals("tiny-conv")), "fixtures found");
    return all.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("torchScriptModels")
  void loadsWithMatchingHashAndGivesFiniteEps(ModelSpec spec) throws IOException {
    assertEquals(spec.sha256().toLowerCase(), ModelLoader.verifyHash(spec), "manifest hash");
    try (LoadedModel m = ModelLoader.load(spec, null)) {
      assertTrue(m.predictor() instanceof TorchScriptPredictor || m.predictor() instanceof LabelledTorchScript,
          spec.name() + ": " + m.predictor().getClass());
      int d = spec.dimension();
      int n = m.schedule().steps();
      int batch = 3;
      float[] x = new float[batch * d];
      float[] row = new float[d];
      for (int i = 0; i < batch; i++) {
        new NoiseSource(5).gaussian(i, 0, row);
        System.arraycopy(row, 0, x, i * d, d);
      }
      double[] t = {1, n / 2.0, n};
      float[] eps = m.predictor().predictEps(x, t, batch);
      assertEquals(batch * d, eps.length, "output shape [B, " + d + "]");
      double ss = 0;
      for (float e : eps) {
        assertTrue(Float.isFinite(e), spec.name() + ": non-finite ε");
        ss += e * e;
      }
      assertFalse(ss == 0, spec.name() + ": ε is all zero");
    }
  }

  /**
   * The determinism rule on CPU: with the predictor's padding to whole row blocks, a row's ε does not
   * depend on how many rows share its evaluation or where it sits. Rows of a batch of 64 are
   * re-evaluated in batches of 1..20, 23, 33, 47 and 128 at several offsets and must be
   * bit-identical. Without the padding ({@code dpm.batch.quantum=1}) batches of 1, 2, 3, 5..7 and
   * 9..11 rows differ in the last bits on an AMD EPYC with 2 threads (every network here).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("torchScriptModels")
  void rowsAreBitIdenticalWhateverTheBatchSize(ModelSpec spec) throws IOException {
    try (LoadedModel m = ModelLoader.load(spec, null)) {
      int d = spec.dimension();
      int n = m.schedule().steps();
      int all = 64;
      float[] x = new float[all * d]; // [64, d]
      double[] t = new double[all];
      float[] row = new float[d];
      NoiseSource noise = new NoiseSource(11);
      for (int i = 0; i < all; i++) {
        noise.gaussian(i, 0, row);
        System.arraycopy(row, 0, x, i * d, d);
        t[i] = 1 + (i * 397L) % n;
      }
      float[] ref = m.predictor().predictEps(x, t, all);
      TorchScriptPredictor net = m.predictor() instanceof LabelledTorchScript l ? l.network()
          : (TorchScriptPredictor) m.predictor(); // a conditional network: its padding probe is the network's
      assertTrue(net.batchIndependent(), spec.name() + ": the probe found a padding (q = " + net.batchQuantum() + ")");
      float[] twice = new float[2 * all * d]; // [128, d]: the 64 rows twice
      System.arraycopy(x, 0, twice, 0, all * d);
      System.arraycopy(x, 0, twice, all * d, all * d);
      double[] t2 = new double[2 * all];
      System.arraycopy(t, 0, t2, 0, all);
      System.arraycopy(t, 0, t2, all, all);
      float[] big = m.predictor().predictEps(twice, t2, 2 * all);
      for (int i = 0; i < 2 * all * d; i++) {
        assertEquals(ref[i % (all * d)], big[i], 0f, spec.name() + ": batch of 128, value " + i);
      }
      List<Integer> sizes = new ArrayList<>();
      for (int b = 1; b <= 20; b++) {
        sizes.add(b);
      }
      sizes.addAll(List.of(23, 33, 47));
      for (int b : sizes) {
        int off = (b * 7) % (all - b + 1);
        float[] xs = java.util.Arrays.copyOfRange(x, off * d, (off + b) * d);
        double[] ts = java.util.Arrays.copyOfRange(t, off, off + b);
        float[] got = m.predictor().predictEps(xs, ts, b);
        for (int i = 0; i < b * d; i++) {
          if (got[i] != ref[off * d + i]) {
            throw new AssertionError(spec.name() + ": batch of " + b + " at offset " + off + ", row " + (i / d)
                + " value " + (i % d) + ": " + got[i] + " != " + ref[off * d + i] + " in the batch of " + all);
          }
        }
      }
    }
  }
}
