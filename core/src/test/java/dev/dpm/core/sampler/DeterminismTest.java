package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Samples depend only on (seed, sample index), never on batch-mates, batch size or interleaving. */
class DeterminismTest {
  private static final List<SamplerSettings> KINDS = List.of(
      SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).build(),
      SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(10).build(),
      SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optEta(0.3).build(),
      SamplerSettings.builder(SamplerKind.ANALYTIC_DDIM).optSteps(10).build(),
      SamplerSettings.builder(SamplerKind.SN_DDPM).optSteps(10).build(),
      SamplerSettings.builder(SamplerKind.NPR_DDIM).optSteps(10).optEta(0.5).build());

  private static Sampler sampler(SamplerSettings s) {
    return Oracles.create(s, Oracles.ringContext().withHeads(Oracles.predictor(Oracles.RING).secondHeads()));
  }

  @Test
  void sameSeedSameFloatsAndPrefixesAgree() {
    for (SamplerSettings s : KINDS) {
      Sampler sampler = sampler(s);
      float[][] a = Oracles.run(sampler, Oracles.RING, 1234, 8);
      float[][] b = Oracles.run(sampler, Oracles.RING, 1234, 8);
      float[][] big = Oracles.run(sampler, Oracles.RING, 1234, 4000);
      float[][] other = Oracles.run(sampler, Oracles.RING, 1235, 8);
      for (int i = 0; i < 8; i++) {
        assertArrayEquals(a[i], b[i], s.kind().wire());
        assertArrayEquals(a[i], big[i], s.kind().wire() + ": sample " + i + " of n=8 vs n=4000");
        assertFalse(Arrays.equals(a[i], other[i]), "another seed gives other samples");
      }
    }
  }

  @Test
  void batchSizeDoesNotMatter() {
    try (GaussianMixturePredictor p = Oracles.predictor(Oracles.RING)) {
      for (SamplerSettings s : KINDS) {
        Sampler sampler = sampler(s);
        float[][] one = Driver.sample(sampler, p, 7, 50, 1, null);
        float[][] seven = Driver.sample(sampler, p, 7, 50, 7, null);
        float[][] all = Driver.sample(sampler, p, 7, 50, 64, null);
        for (int i = 0; i < 50; i++) {
          assertArrayEquals(one[i], seven[i]);
          assertArrayEquals(one[i], all[i]);
        }
      }
    }
  }

  /** Two processes of one shared sampler, stepped alternately, equal the same processes run alone. */
  @Test
  void interleavedProcessesEqualSequentialRuns() {
    try (GaussianMixturePredictor p = Oracles.predictor(Oracles.RING)) {
      for (SamplerSettings s : KINDS) {
        Sampler sampler = sampler(s);
        NoiseSource src = new NoiseSource(99);
        float[] alone0 = runAlone(sampler.start(src.stream(0)), p);
        float[] alone1 = runAlone(sampler.start(src.stream(1)), p);
        SamplingProcess a = sampler.start(src.stream(0));
        SamplingProcess b = sampler.start(src.stream(1));
        while (!a.isDone() || !b.isDone()) {
          for (SamplingProcess q : new SamplingProcess[] {b, a}) {
            if (!q.isDone()) {
              stepOnce(q, p);
            }
          }
        }
        assertArrayEquals(alone0, a.sample());
        assertArrayEquals(alone1, b.sample());
        assertNotEquals(a.sample()[0], b.sample()[0]);
      }
    }
  }

  private static float[] runAlone(SamplingProcess q, NoisePredictor p) {
    while (!q.isDone()) {
      stepOnce(q, p);
    }
    return q.sample();
  }

  private static void stepOnce(SamplingProcess q, NoisePredictor p) {
    EvalRequest r = q.pending();
    if (r.head() == null) {
      q.accept(p.predictEps(r.x().clone(), new double[] {r.time()}, 1));
    } else {
      dev.dpm.core.model.Prediction out = p.predict(r.x().clone(), new double[] {r.time()}, 1, java.util.Set.of(r.head()));
      q.accept(out.eps(), out.head(r.head()), 0);
    }
  }

  @Test
  void processReportsItsProgress() {
    Sampler sampler = sampler(KINDS.get(1));
    NoiseStream noise = new NoiseSource(3).stream(0);
    SamplingProcess q = sampler.start(noise);
    assertEquals(1, noise.draws(), "x_T is the first draw");
    assertNull(q.denoised());
    assertEquals(10, q.totalSteps());
    assertThrows(IllegalStateException.class, q::sample);
    List<Double> times = new ArrayList<>();
    try (GaussianMixturePredictor p = Oracles.predictor(Oracles.RING)) {
      while (!q.isDone()) {
        times.add(q.pending().time());
        stepOnce(q, p);
        assertEquals(times.size(), q.step());
        assertEquals(times.size(), q.nfe());
        assertEquals(2, q.denoised().length);
      }
    }
    assertEquals(List.of(1000.0, 889.0, 778.0, 667.0, 556.0, 445.0, 334.0, 223.0, 112.0, 1.0), times);
    assertEquals(1 + 9, noise.draws(), "one draw per noisy step, none on the last");
    assertArrayEquals(q.denoised(), q.sample(), "the last step returns x̂₀");
    assertThrows(IllegalStateException.class, q::pending);
  }

  @Test
  void startFromALatentUsesIt() {
    Sampler ddim = sampler(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).build());
    NoiseSource src = new NoiseSource(5);
    float[] latent = new float[2];
    src.stream(0).nextGaussian(latent);
    try (GaussianMixturePredictor p = Oracles.predictor(Oracles.RING)) {
      float[] fromLatent = runAlone(ddim.start(new NoiseSource(77).stream(9), latent), p);
      float[] fromStream = runAlone(ddim.start(src.stream(0)), p);
      assertArrayEquals(fromStream, fromLatent, "DDIM η=0 is deterministic given x_T");
    }
    assertThrows(IllegalArgumentException.class, () -> ddim.start(src.stream(1), new float[3]));
  }

  /** Bounded data: x̂₀ is clamped to the range however wild ε is; unbounded data are never clamped. */
  @Test
  void clampOnlyForBoundedData() {
    NoisePredictor wild = new NoisePredictor() {
      @Override
      public float[] predictEps(float[] x, double[] time, int batch) {
        float[] e = new float[x.length];
        Arrays.fill(e, -50f);
        return e;
      }

      @Override
      public int dimension() {
        return 2;
      }

      @Override
      public void close() {}
    };
    ModelContext bounded = new ModelContext(Oracles.LINEAR, 2, DataRange.SYMMETRIC_UNIT, false, null);
    ModelContext unbounded = new ModelContext(Oracles.LINEAR, 2, DataRange.UNBOUNDED, false, null);
    for (SamplerSettings s : List.of(KINDS.get(0), KINDS.get(2))) {
      float[][] b = Driver.sample(Oracles.create(s, bounded), wild, 1, 20, 20, null);
      float[][] u = Driver.sample(Oracles.create(s, unbounded), wild, 1, 20, 20, null);
      for (int i = 0; i < 20; i++) {
        for (int j = 0; j < 2; j++) {
          assertTrue(b[i][j] >= -1f && b[i][j] <= 1f, "clamped: " + b[i][j]);
          assertTrue(u[i][j] > 1f, "not clamped: " + u[i][j]);
        }
      }
    }
  }
}
