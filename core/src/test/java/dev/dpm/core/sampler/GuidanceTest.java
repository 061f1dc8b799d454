package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.GuidedBatch;
import dev.dpm.core.model.LabelledMixturePredictor;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.testkit.LabelledOracles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Class labels and classifier-free guidance on exact conditional oracles (samplers untouched). */
class GuidanceTest {
  private static final double S = 0.3;

  private static Sampler sampler(SamplerSettings s, double[] gamma) {
    return Oracles.create(s, new ModelContext(Oracles.LINEAR, 2, DataRange.UNBOUNDED, false, gamma));
  }

  /** At w = 1 the guided predictor is the conditional one: samples reproduce the selected component. */
  @Test
  void guidanceOneReproducesTheSelectedComponent() {
    double[] gammaC = Moments.isotropicGaussian(Oracles.LINEAR, S * S); // Γ of one component's ε, closed form
    try (LabelledMixturePredictor p = new LabelledMixturePredictor(LabelledOracles.PAIR, Oracles.LINEAR)) {
      for (SamplerSettings s : List.of(
          SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(100).optGuidance(1.0).build(),
          SamplerSettings.builder(SamplerKind.DDPM).optSteps(200).optGuidance(1.0).build(),
          SamplerSettings.builder(SamplerKind.ODE_HEUN).optSteps(40).optGuidance(1.0).build())) {
        for (int label = 0; label < 2; label++) {
          Condition[] c = new Condition[2000];
          Arrays.fill(c, new Condition(label, Guidance.of(1.0)));
          float[][] xs = Driver.sample(sampler(s, gammaC), p, c, 5, 256, null);
          double[] mean = Oracles.mean(xs);
          for (int j = 0; j < 2; j++) {
            double mu = LabelledOracles.PAIR.means()[label][j];
            assertEquals(mu, mean[j], 5 * S / Math.sqrt(xs.length), s.kind().wire() + " label " + label);
            double[] var = Oracles.covarianceWithError(xs, j, j);
            assertEquals(S * S, var[0], 5 * var[1] + 0.004, s.kind().wire() + " variance, label " + label);
          }
        }
      }
    }
  }

  /** For N(μ_c, s²) against N(μ_u, s²), ε̃_w is the ε of N(wμ_c + (1 − w)μ_u, s²): check w = 0, 2, 3. */
  @Test
  void guidedSamplesFollowTheClosedFormOfAGaussianPair() {
    double[] muC = {0.5, -0.2};
    double[] muU = {0.0, 0.3};
    double[] gamma = Moments.isotropicGaussian(Oracles.LINEAR, S * S);
    try (ConditionalPredictor p = LabelledOracles.gaussianPair(muC, muU, S, Oracles.LINEAR)) {
      for (double w : new double[] {0.0, 2.0, 3.0}) {
        for (SamplerSettings s : List.of(
            SamplerSettings.builder(SamplerKind.DDIM).optSteps(50).optGuidance(w).build(),
            SamplerSettings.builder(SamplerKind.DPM_SOLVER_2M).optSteps(20).optGuidance(w).build())) {
          Condition[] c = new Condition[2000];
          Arrays.fill(c, new Condition(0, Guidance.of(w)));
          float[][] xs = Driver.sample(sampler(s, gamma), p, c, 9, 500, null);
          double[] mean = Oracles.mean(xs);
          for (int j = 0; j < 2; j++) {
            assertEquals(w * muC[j] + (1 - w) * muU[j], mean[j], 5 * S / Math.sqrt(xs.length) + 0.01,
                s.kind().wire() + " w=" + w);
          }
        }
      }
    }
  }

  /** Network rows: 2 per guided row only where w ∉ {0, 1}, i.e. inside the guidance interval. */
  @Test
  void guidedRowsCostTwoNetworkRowsOnlyInsideTheInterval() {
    Condition inside = new Condition(1, new Guidance(3.0, 100, 500));
    assertEquals(2, inside.rowsAt(300));
    assertEquals(1, inside.rowsAt(600));
    assertEquals(1.0, inside.scaleAt(600));
    assertEquals(1, new Condition(1, Guidance.of(0.0)).rowsAt(10));
    assertEquals(1, Condition.NONE.rowsAt(10));
    assertEquals(5, GuidedBatch.networkRows(new Condition[] {inside, inside, Condition.NONE},
        new double[] {300, 200, 300}, 3));
  }

  /**
   * A guided job's samples are bit-identical whether run alone (one row per evaluation) or packed with an
   * unconditional job, a plain conditional job, a job with another label and w, and one with a guidance interval,
   * for discrete and continuous samplers.
   */
  @Test
  void guidedJobBatchedWithOthersIsBitIdenticalToAlone() {
    try (LabelledMixturePredictor p = new LabelledMixturePredictor(LabelledOracles.PAIR, Oracles.LINEAR)) {
      double[] gamma = Moments.isotropicGaussian(Oracles.LINEAR, S * S);
      for (SamplerSettings s : List.of(
          SamplerSettings.builder(SamplerKind.ANALYTIC_DDIM).optSteps(10).optGuidance(3.0).build(),
          SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).optGuidance(3.0).build(),
          SamplerSettings.builder(SamplerKind.SDE_DPM_SOLVER_2M).optSteps(8).optGuidance(3.0).build(),
          SamplerSettings.builder(SamplerKind.ODE_RK45).optGuidance(3.0).build())) {
        Sampler sampler = sampler(s, gamma);
        Condition guided = new Condition(0, Guidance.of(3.0));
        int n = 6;
        Condition[] alone = new Condition[n];
        Arrays.fill(alone, guided);
        float[][] want = Driver.sample(sampler, p, alone, 42, 1, null);
        // the same job among others: its processes interleaved with other jobs' in one packed run
        List<SamplingProcess> procs = new ArrayList<>();
        List<Condition> conds = new ArrayList<>();
        List<SamplingProcess> mine = new ArrayList<>();
        Condition[] others = {Condition.NONE, Condition.of(1), new Condition(1, Guidance.of(1.5)),
            new Condition(0, new Guidance(5.0, 200, 700))};
        NoiseSource jobNoise = new NoiseSource(42);
        NoiseSource otherNoise = new NoiseSource(7);
        for (int i = 0; i < n; i++) {
          SamplingProcess q = sampler.start(jobNoise.stream(i));
          mine.add(q);
          procs.add(q);
          conds.add(guided);
          procs.add(sampler.start(otherNoise.stream(i)));
          conds.add(others[i % others.length]);
        }
        Driver.run(procs, conds.toArray(new Condition[0]), p, 64, null);
        for (int i = 0; i < n; i++) {
          assertArrayEquals(want[i], mine.get(i).sample(), s.kind().wire() + " sample " + i);
        }
        float[][] unguided = Driver.sample(sampler, p, new Condition[] {Condition.of(0)}, 42, 1, null);
        assertFalse(Arrays.equals(unguided[0], want[0]), "guidance changes the sample");
      }
    }
  }

  /** Guidance outside [0, ∞) is refused with a problem naming the field. */
  @Test
  void negativeGuidanceIsAProblem() {
    SamplerResult r = dev.dpm.core.catalog.Samplers.create(
        SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optGuidance(-1.0).build(), Oracles.gaussianContext());
    assertTrue(r instanceof SamplerResult.Invalid inv && inv.problems().get(0).field().equals("guidance"));
    Sampler ok = Oracles.create(SamplerSettings.builder(SamplerKind.DPM_SOLVER_2M).optSteps(10).optGuidance(2.5)
        .build(), Oracles.gaussianContext());
    assertEquals(2.5, ok.settings().guidance());
  }
}
