package dev.dpm.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.GuidedBatch;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.GuidedContexts;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A class-conditional TorchScript network with both second heads (fixture {@code tiny-cond-2d-heads}, made by
 * {@code training/fixtures/make_cond_heads_fixture.py} with torch 1.13; the shape of the bundled conditional
 * fashion-mnist with its heads): ε and the heads per label as PyTorch computed them, ε with heads equal to ε alone,
 * unlabelled calls at the null label, batch-independent rows, guided rows sharing a call with head rows, and a guided
 * head row refused.
 */
class ConditionalHeadsTest {
  static final String NAME = "tiny-cond-2d-heads";
  static final Set<SecondHead> BOTH = Set.of(SecondHead.EPS2, SecondHead.EPSC);

  private static LoadedModel load() throws IOException {
    return ModelLoader.load(ModelSpec.read(TorchScriptPredictorTest.fixture(NAME)), null);
  }

  @Test
  void servesEpsAndBothHeadsPerLabelAsPyTorchDid() throws IOException {
    ModelSpec spec = ModelSpec.read(TorchScriptPredictorTest.fixture(NAME));
    assertEquals(BOTH, spec.heads(), "a conditional network's outputs are its heads");
    try (LoadedModel m = load()) {
      ConditionalPredictor p = m.conditional();
      assertTrue(p instanceof LabelledTorchScript);
      assertEquals(BOTH, p.secondHeads());
      assertEquals(BOTH, m.context().heads());
      float[] x = new float[4];
      for (int i = 0; i < 4; i++) {
        x[i] = 0.01f * ((i % 7) - 3);
      }
      double[] t = {1.0, 500.5}; // network time n − 1 = 0, 499.5
      long[] y = {1, 3}; // label 1 and the null label
      Prediction got = p.predict(x, t, y, 2, BOTH);
      JsonNode check = spec.raw().path("provenance").path("check");
      for (String k : new String[] {"eps", "eps2", "epsc"}) {
        float[] v = k.equals("eps") ? got.eps() : got.head(SecondHead.parse(k));
        for (int i = 0; i < 4; i++) {
          assertEquals(check.path(k).get(i).asDouble(), v[i], 1e-5, k + "[" + i + "]");
        }
      }
      assertArrayEquals(p.predictEps(x, t, y, 2), got.eps(), "ε is the first output, with or without heads");
      Prediction atNull = p.predict(x, t, 2, BOTH); // unlabelled: every row at the null label
      Prediction nullRows = p.predict(x, t, new long[] {3, 3}, 2, BOTH);
      assertArrayEquals(nullRows.eps(), atNull.eps());
      assertArrayEquals(nullRows.head(SecondHead.EPS2), atNull.head(SecondHead.EPS2));
      assertFalse(Arrays.equals(got.head(SecondHead.EPSC), nullRows.head(SecondHead.EPSC)),
          "the label changes the head of row 0");
    }
  }

  @Test
  void labelledHeadRowsDoNotDependOnTheirBatch() throws IOException {
    try (LoadedModel m = load()) {
      ConditionalPredictor p = m.conditional();
      int rows = 9;
      float[] x = new float[rows * 2];
      double[] t = new double[rows];
      long[] y = new long[rows];
      for (int i = 0; i < rows; i++) {
        x[2 * i] = (float) Math.sin(i);
        x[2 * i + 1] = (float) Math.cos(3 * i);
        t[i] = 1 + 111 * i;
        y[i] = i % 4;
      }
      Prediction all = p.predict(x, t, y, rows, BOTH);
      for (int i = 0; i < rows; i++) {
        Prediction one = p.predict(Arrays.copyOfRange(x, 2 * i, 2 * i + 2), new double[] {t[i]}, new long[] {y[i]}, 1,
            BOTH);
        assertArrayEquals(Arrays.copyOfRange(all.eps(), 2 * i, 2 * i + 2), one.eps(), "eps row " + i);
        assertArrayEquals(Arrays.copyOfRange(all.head(SecondHead.EPSC), 2 * i, 2 * i + 2), one.head(SecondHead.EPSC),
            "epsc row " + i);
      }
    }
  }

  @Test
  void guidedRowsShareTheCallWithHeadRowsButAGuidedHeadRowIsRefused() throws IOException {
    try (LoadedModel m = load()) {
      ConditionalPredictor p = m.conditional();
      float[] x = {0.3f, -0.2f, 0.1f, 0.4f, -0.5f, 0.6f};
      double[] t = {50, 400, 900};
      Condition guided = new Condition(2, Guidance.of(3.0));
      Condition[] c = {Condition.of(0), guided, Condition.NONE};
      SecondHead[] heads = {SecondHead.EPS2, null, SecondHead.EPSC};
      Prediction mixed = GuidedBatch.evaluate(p, x, t, c, 3, heads);
      Prediction row0 = p.predict(Arrays.copyOfRange(x, 0, 2), new double[] {t[0]}, new long[] {0}, 1, BOTH);
      Prediction row2 = p.predict(Arrays.copyOfRange(x, 4, 6), new double[] {t[2]}, new long[] {3}, 1, BOTH);
      assertArrayEquals(row0.eps(), Arrays.copyOfRange(mixed.eps(), 0, 2));
      assertArrayEquals(row0.head(SecondHead.EPS2), Arrays.copyOfRange(mixed.head(SecondHead.EPS2), 0, 2));
      assertArrayEquals(row2.head(SecondHead.EPSC), Arrays.copyOfRange(mixed.head(SecondHead.EPSC), 4, 6));
      float[] guidedAlone = GuidedBatch.evaluate(p, Arrays.copyOfRange(x, 2, 4), new double[] {t[1]},
          new Condition[] {guided}, 1);
      assertArrayEquals(guidedAlone, Arrays.copyOfRange(mixed.eps(), 2, 4), "the guided row's ε̃ is unchanged");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GuidedBatch.evaluate(p, x, t,
          c, 3, new SecondHead[] {null, SecondHead.EPSC, null}));
      assertTrue(e.getMessage().contains("guided predictor"), e.getMessage());
      // w = 0: the head row is the unconditional one, at the null label
      Prediction w0 = GuidedBatch.evaluate(p, Arrays.copyOfRange(x, 0, 2), new double[] {t[0]},
          new Condition[] {new Condition(1, Guidance.of(0.0))}, 1, new SecondHead[] {SecondHead.EPSC});
      Prediction nul = p.predict(Arrays.copyOfRange(x, 0, 2), new double[] {t[0]}, new long[] {3}, 1, BOTH);
      assertArrayEquals(nul.head(SecondHead.EPSC), w0.head(SecondHead.EPSC));
    }
  }

  @Test
  void labelledSnAndNprSamplersRunAndOnlyUnguided() throws IOException {
    try (LoadedModel m = load()) {
      for (SamplerKind k : new SamplerKind[] {SamplerKind.SN_DDPM, SamplerKind.NPR_DDIM}) {
        SamplerSettings s = SamplerSettings.builder(k).optSteps(8).build();
        SamplerResult r = Samplers.create(s, m.context());
        assertTrue(r instanceof SamplerResult.Ok, r.toString());
        Sampler sampler = ((SamplerResult.Ok) r).sampler();
        Condition[] c = {Condition.of(0), Condition.of(2), Condition.NONE, Condition.of(1)};
        float[][] batched = Driver.sample(sampler, m.conditional(), c, 11, 4, null);
        float[][] alone = Driver.sample(sampler, m.conditional(), c, 11, 1, null);
        for (int i = 0; i < c.length; i++) {
          assertArrayEquals(alone[i], batched[i], 0f, k.wire() + " sample " + i);
          for (float v : batched[i]) {
            assertTrue(Float.isFinite(v));
          }
        }
        assertFalse(Arrays.equals(batched[0], batched[1]), "labels differ, samples differ");
        assertEquals(null, GuidedContexts.secondHeadsProblem(SamplerSettings.builder(k).optGuidance(1.0).build()));
        assertEquals(null, GuidedContexts.secondHeadsProblem(SamplerSettings.builder(k).optGuidance(0.0).build()));
        String why = GuidedContexts.secondHeadsProblem(SamplerSettings.builder(k).optGuidance(3.0).build());
        assertTrue(why != null && why.contains("w = 0 or 1"), why);
      }
      assertEquals(null, GuidedContexts.secondHeadsProblem(SamplerSettings.builder(SamplerKind.DDIM)
          .optGuidance(3.0).build()), "other samplers take any guidance");
    }
  }
}
