package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.TrajectoryKind;
import dev.dpm.core.variance.ReverseVariance;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plans against the reference's unit-test vector (analytic-dpm.md §7) and the exact Gaussian posterior. */
class PlanTest {
  private static final NoiseSchedule LINEAR = Oracles.LINEAR;

  private static DiscreteSampler sampler(SamplerSettings s, ModelContext ctx) {
    return (DiscreteSampler) Oracles.create(s, ctx);
  }

  private static PlanStep find(List<PlanStep> plan, int from, int to) {
    return plan.stream().filter(p -> p.from() == from && p.to() == to).findFirst().orElseThrow();
  }

  private static void assertRel(double expected, double actual, double rel, String what) {
    assertEquals(expected, actual, rel * Math.abs(expected), what);
  }

  @Test
  void analyticDdpmReproducesTheReferenceVector() {
    DiscreteSampler s = sampler(
        SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(10).build(), Oracles.gaussianContext());
    assertArrayEquals(new int[] {1, 112, 223, 334, 445, 556, 667, 778, 889, 1000},
        s.trajectory().timesteps());
    List<PlanStep> plan = s.plan();
    assertEquals(10, plan.size());
    assertEquals(1000, plan.get(0).from());
    // (s, t): β̃_{s|t}, A-DDPM σ², Γ^eps_t
    double[][] ref = {
        {889, 1000, 8.795284e-1, 8.795933e-1, 0.999990},
        {445, 556, 6.113049e-1, 6.276283e-1, 0.988825},
        {112, 223, 9.932621e-2, 1.977694e-1, 0.729899},
        {1, 112, 9.993088e-5, 9.160883e-2, 0.366579}};
    for (double[] r : ref) {
      PlanStep p = find(plan, (int) r[1], (int) r[0]);
      String at = "(" + (int) r[0] + "," + (int) r[1] + ")";
      assertRel(r[2], p.lambda2(), 1e-6, "β̃ " + at);
      assertRel(r[3], p.sigma2(), 1e-6, "σ² " + at);
      assertEquals(r[4], p.gamma(), 1e-6, "Γ " + at);
    }
    PlanStep last = plan.get(9);
    assertEquals(new PlanStep(1, 0, 0.0, 0.0, Oracles.GAMMA_GAUSSIAN[1]), last);
  }

  @Test
  void analyticDdimReproducesTheReferenceVector() {
    List<PlanStep> plan = sampler(
        SamplerSettings.builder(SamplerKind.ANALYTIC_DDIM).optSteps(10).build(), Oracles.gaussianContext()).plan();
    double[][] ref = {{889, 1000, 3.582564e-5}, {445, 556, 6.854665e-3}, {112, 223, 4.600772e-2},
        {1, 112, 8.688042e-2}};
    for (double[] r : ref) {
      PlanStep p = find(plan, (int) r[1], (int) r[0]);
      assertEquals(0.0, p.lambda2(), "η = 0");
      assertRel(r[2], p.sigma2(), 1e-6, "σ² (" + (int) r[0] + "," + (int) r[1] + ")");
    }
  }

  /**
   * For Gaussian data with the exact Γ, the DDPM-type analytic σ² is the exact
   * Var(x_s | x_t) = (ᾱ_s s² + β̄_s) − α_{t|s}(ᾱ_s s² + β̄_s)²/(ᾱ_t s² + β̄_t) (reference §7).
   */
  @Test
  void analyticDdpmVarianceIsTheExactPosteriorVariance() {
    double s2 = 0.25;
    for (int k : new int[] {2, 10, 25, 100, 1000}) {
      List<PlanStep> plan = sampler(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(k).build(),
          Oracles.gaussianContext()).plan();
      assertEquals(k, plan.size());
      for (PlanStep p : plan) {
        if (p.to() == 0) {
          continue;
        }
        int s = p.to();
        int t = p.from();
        double vs = LINEAR.alphaBar(s) * s2 + LINEAR.betaBar(s);
        double vt = LINEAR.alphaBar(t) * s2 + LINEAR.betaBar(t);
        double exact = vs - LINEAR.skipAlpha(s, t) * vs * vs / vt;
        assertRel(exact, p.sigma2(), 1e-8, "K=" + k + " (" + s + "," + t + ")");
        assertTrue(p.sigma2() >= p.lambda2(), "Theorem 2 lower bound");
      }
    }
  }

  @Test
  void baselinePlansUseTheirFixedVariances() {
    ModelContext ctx = Oracles.gaussianContext();
    PlanStep post = find(sampler(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).build(), ctx).plan(),
        112, 1);
    assertRel(9.993088e-5, post.sigma2(), 1e-6, "β̃");
    assertEquals(post.lambda2(), post.sigma2());
    PlanStep fwd = find(sampler(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10)
        .optVariance(SamplerSettings.VarianceKind.FORWARD).build(), ctx).plan(), 112, 1);
    assertRel(LINEAR.skipBeta(1, 112), fwd.sigma2(), 1e-15, "β_{t|s}");
    assertRel(9.993088e-5, fwd.lambda2(), 1e-6, "the mean stays DDPM's");
    PlanStep ddim = find(sampler(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optEta(0.5).build(), ctx)
        .plan(), 112, 1);
    assertRel(0.25 * 9.993088e-5, ddim.sigma2(), 1e-6, "η²β̃");
    PlanStep noGamma = sampler(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).build(),
        new ModelContext(LINEAR, 2, DataRange.UNBOUNDED, false, null)).plan().get(0);
    assertNull(noGamma.gamma());
    assertEquals(0.0, noGamma.sigma2());
  }

  /** The σ₂ clip (reference §2.6) acts on the step into τ₁ only, default on for 8-bit models. */
  @Test
  void sigma2ClipActsOnTheStepIntoTauOne() {
    ModelContext images = new ModelContext(LINEAR, 2, DataRange.SYMMETRIC_UNIT, true, Oracles.GAMMA_GAUSSIAN);
    DiscreteSampler on = sampler(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(10).build(), images);
    assertEquals(1, on.settings().clipSigma2());
    DiscreteSampler two = sampler(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(10)
        .optClipSigma2(2).build(), images);
    DiscreteSampler off = sampler(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(10)
        .optClipSigma2(0).build(), images);
    assertRel(9.663e-5, find(on.plan(), 112, 1).sigma2(), 1e-3, "y = 1");
    assertRel(3.865e-4, find(two.plan(), 112, 1).sigma2(), 1e-3, "y = 2");
    assertRel(9.160883e-2, find(off.plan(), 112, 1).sigma2(), 1e-6, "off");
    for (int i = 0; i < 8; i++) {
      assertEquals(off.plan().get(i), on.plan().get(i), "only the step into x_1 is clipped");
    }
    assertEquals(ReverseVariance.sigma2ClipBound(1), find(on.plan(), 112, 1).sigma2());
    // an explicit trajectory starting above 1: the clip follows τ₁
    DiscreteSampler expl = sampler(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM)
        .optTrajectory(TrajectoryKind.EXPLICIT).optTimesteps(new int[] {50, 500, 1000}).build(), images);
    assertEquals(ReverseVariance.sigma2ClipBound(1), find(expl.plan(), 500, 50).sigma2());
    // unbounded data (the oracles): off by default
    assertEquals(0, sampler(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).build(),
        Oracles.gaussianContext()).settings().clipSigma2());
  }
}
