package dev.dpm.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript network with second heads (fixture {@code tiny-mlp-2d-heads}, made by its
 * {@code make_fixture.py} with torch 1.13): the manifest's {@code outputs} declare the tuple, the
 * predictor returns ε and the heads as PyTorch computed them, rows stay batch-independent, and the
 * SN/NPR samplers run on it. Bad {@code outputs} lists are refused naming the field.
 */
class SecondHeadsTest {
  static final String NAME = "tiny-mlp-2d-heads";
  static final Set<SecondHead> BOTH = Set.of(SecondHead.EPS2, SecondHead.EPSC);

  @TempDir
  Path tmp;

  @Test
  void predictsEpsAndBothHeadsAsPyTorchDid() throws IOException {
    ModelSpec spec = ModelSpec.read(TorchScriptPredictorTest.fixture(NAME));
    assertEquals(BOTH, spec.heads());
    assertEquals(java.util.List.of("eps", "eps2", "epsc"), spec.outputs().names());
    try (LoadedModel m = ModelLoader.load(spec, null)) {
      assertEquals(BOTH, m.predictor().secondHeads());
      assertEquals(BOTH, m.context().heads());
      assertEquals(BOTH, ModelLoader.context(spec).heads(), "the plan-time context knows them too");
      float[] x = new float[4];
      for (int i = 0; i < 4; i++) {
        x[i] = 0.01f * ((i % 7) - 3);
      }
      double[] t = {1.0, 500.5}; // network time index n − 1 = 0, 499.5
      Prediction p = m.predictor().predict(x, t, 2, BOTH);
      JsonNode check = spec.raw().path("provenance").path("check");
      for (String k : new String[] {"eps", "eps2", "epsc"}) {
        float[] got = k.equals("eps") ? p.eps() : p.head(SecondHead.parse(k));
        for (int i = 0; i < 4; i++) {
          assertEquals(check.path(k).get(i).asDouble(), got[i], 1e-5, k + "[" + i + "]");
        }
      }
      assertArrayEquals(m.predictor().predictEps(x, t, 2), p.eps(), "ε is the first output either way");
      Prediction one = m.predictor().predict(x, t, 2, Set.of(SecondHead.EPSC));
      assertEquals(Set.of(SecondHead.EPSC), one.heads().keySet());
      assertArrayEquals(p.head(SecondHead.EPSC), one.head(SecondHead.EPSC));
    }
  }

  @Test
  void headRowsDoNotDependOnTheirBatch() throws IOException {
    try (LoadedModel m = ModelLoader.load(ModelSpec.read(TorchScriptPredictorTest.fixture(NAME)), null)) {
      int rows = 11;
      float[] x = new float[rows * 2];
      double[] t = new double[rows];
      for (int i = 0; i < rows; i++) {
        x[2 * i] = (float) Math.sin(i);
        x[2 * i + 1] = (float) Math.cos(3 * i);
        t[i] = 1 + 97 * i;
      }
      Prediction all = m.predictor().predict(x, t, rows, BOTH);
      for (int i = 0; i < rows; i++) {
        Prediction alone = m.predictor().predict(java.util.Arrays.copyOfRange(x, 2 * i, 2 * i + 2),
            new double[] {t[i]}, 1, BOTH);
        for (SecondHead h : BOTH) {
          assertArrayEquals(java.util.Arrays.copyOfRange(all.head(h), 2 * i, 2 * i + 2), alone.head(h),
              h.wire() + " row " + i);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(all.eps(), 2 * i, 2 * i + 2), alone.eps(), "ε row " + i);
      }
    }
  }

  @Test
  void snAndNprSamplersRunOnTheNetwork() throws IOException {
    try (LoadedModel m = ModelLoader.load(ModelSpec.read(TorchScriptPredictorTest.fixture(NAME)), null)) {
      for (SamplerKind k : new SamplerKind[] {SamplerKind.SN_DDPM, SamplerKind.NPR_DDIM}) {
        SamplerResult r = Samplers.create(SamplerSettings.builder(k).optSteps(10).build(), m.context());
        var s = ((SamplerResult.Ok) r).sampler();
        float[][] one = Driver.sample(s, m.predictor(), 3, 6, 1, null);
        float[][] all = Driver.sample(s, m.predictor(), 3, 6, 6, null);
        for (int i = 0; i < 6; i++) {
          assertArrayEquals(one[i], all[i], k.wire() + " sample " + i);
          assertTrue(Float.isFinite(one[i][0]) && Float.isFinite(one[i][1]));
        }
      }
    }
  }

  private Path variant(String from, java.util.function.Consumer<ObjectNode> edit) throws IOException {
    Path src = TorchScriptPredictorTest.fixture(from);
    Path dst = tmp.resolve(from + "-" + System.nanoTime());
    Files.createDirectories(dst);
    Files.copy(src.resolve("model.pt"), dst.resolve("model.pt"));
    ObjectNode n = (ObjectNode) new ObjectMapper().readTree(Files.readString(src.resolve("model.json")));
    edit.accept(n);
    Files.writeString(dst.resolve("model.json"), n.toString());
    return dst;
  }

  private static ArrayNode outputs(ObjectNode n, String... names) {
    ArrayNode a = n.putArray("outputs");
    for (String s : names) {
      a.add(s);
    }
    return a;
  }

  @Test
  void badOutputsAreRefusedNamingTheField() throws IOException {
    Path first = variant(NAME, n -> outputs(n, "x0", "eps2"));
    assertTrue(assertThrows(IOException.class, () -> ModelSpec.read(first)).getMessage().contains("outputs[0]"));
    Path unknown = variant(NAME, n -> outputs(n, "eps", "eps3"));
    String msg = assertThrows(IOException.class, () -> ModelSpec.read(unknown)).getMessage();
    assertTrue(msg.contains("outputs[1]") && msg.contains("eps2, epsc"), msg);
    Path twice = variant(NAME, n -> outputs(n, "eps", "epsc", "epsc"));
    assertTrue(assertThrows(IOException.class, () -> ModelSpec.read(twice)).getMessage().contains("twice"));
    Path tooFew = variant(NAME, n -> outputs(n, "eps"));
    msg = assertThrows(IOException.class, () -> ModelLoader.load(ModelSpec.read(tooFew), null)).getMessage();
    assertTrue(msg.contains("3 tensors"), msg);
    Path single = variant("tiny-mlp-2d", n -> outputs(n, "eps", "eps2"));
    msg = assertThrows(IOException.class, () -> ModelLoader.load(ModelSpec.read(single), null)).getMessage();
    assertTrue(msg.contains("1 tensors"), msg);
    assertEquals(Set.of(), ModelSpec.read(TorchScriptPredictorTest.fixture("tiny-mlp-2d")).heads());
  }
}
