package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.Condition;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.LabelledMixturePredictor;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.testkit.LabelledOracles;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Why analytic-ddpm under strong guidance can give exactly ddpm's samples (the labelled-oracle anomaly at K = 10,
 * w = 3): the guided ε̃_w = ε_u + w(ε_c − ε_u) is not the conditional expectation E[ε | x_t] of any forward process,
 * so its Γ_t = E‖ε̃_w‖²/d is not bounded by 1 (Jensen bounds only E[ε | x_t]). Where Γ_t ≥ 1 the Analytic-DPM
 * estimate (β̄_t/ᾱ_t)(1 − Γ_t) of Cov[x₀ | x_t] is ≤ 0, the Theorem-2 clip sets it to 0 and σ² = λ², which is β̃
 * for DDPM-type steps and 0 for DDIM-type ones. With the closed-form guided Γ of the minority label of
 * {@link LabelledOracles#PAIR} at w = 3, every noisy step of the even K = 10 trajectory has Γ_t &gt; 1, so
 * analytic-ddpm is ddpm (σ² = β̃) bit for bit, and analytic-ddim is ddim; at K = 25 the last noisy steps have
 * Γ_t &lt; 1 and the samplers differ. No fall-back path and no grid edge is involved: Γ here is exact.
 */
class GuidedAnalyticClipTest {
  /** Exact Γ of ε̃_w(· | label) at every step (closed form, no Monte Carlo, no grid). */
  private static double[] exactGuidedGamma(int label, double w) {
    double[] g = new double[Oracles.LINEAR.steps() + 1];
    for (int n = 1; n < g.length; n++) {
      g[n] = LabelledOracles.guidedGamma(LabelledOracles.PAIR, Oracles.LINEAR, label, w, n);
    }
    return g;
  }

  private static ModelContext context(double[] gamma) {
    return new ModelContext(Oracles.LINEAR, 2, DataRange.UNBOUNDED, false, gamma);
  }

  private static List<PlanStep> plan(SamplerSettings s, double[] gamma) {
    return ((DiscreteSampler) Oracles.create(s, context(gamma))).plan();
  }

  @Test
  void guidedGammaAboveOneClipsTheAnalyticVarianceToItsLowerBound() {
    double[] gamma = exactGuidedGamma(0, 3.0);
    SamplerSettings analytic = SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(10).optGuidance(3.0).build();
    SamplerSettings ddpm = SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).optGuidance(3.0)
        .optVariance(SamplerSettings.VarianceKind.POSTERIOR).build();
    List<PlanStep> a = plan(analytic, gamma);
    List<PlanStep> p = plan(ddpm, gamma);
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).to() > 0) {
        assertTrue(gamma[a.get(i).from()] > 1.0, "Γ at t = " + a.get(i).from() + " is " + gamma[a.get(i).from()]);
      }
      assertEquals(p.get(i).sigma2(), a.get(i).sigma2(), 0.0, "σ² at t = " + a.get(i).from());
    }
    // the same trajectory at K = 25 reaches steps with Γ < 1, where the analytic variance exceeds β̃
    SamplerSettings a25 = analytic.toBuilder().optSteps(25).build();
    List<PlanStep> q = plan(a25, gamma);
    List<PlanStep> r = plan(ddpm.toBuilder().optSteps(25).build(), gamma);
    int larger = 0;
    for (int i = 0; i < q.size(); i++) {
      if (q.get(i).to() > 0 && gamma[q.get(i).from()] < 1.0) {
        assertTrue(q.get(i).sigma2() > r.get(i).sigma2(), "t = " + q.get(i).from());
        larger++;
      }
    }
    assertEquals(2, larger, "the two steps below t = 100 have Γ < 1");
    // the trajectory itself does not depend on Γ
    assertEquals(Trajectory.even(1000, 10).steps(), ((DiscreteSampler) Oracles.create(analytic, context(gamma)))
        .trajectory().steps());
  }

  @Test
  void whereEveryStepClipsTheAnalyticSamplersAreDdpmAndDdimBitForBit() {
    double[] gamma = exactGuidedGamma(0, 3.0);
    Condition[] c = new Condition[64];
    Arrays.fill(c, new Condition(0, Guidance.of(3.0)));
    try (LabelledMixturePredictor p = new LabelledMixturePredictor(LabelledOracles.PAIR, Oracles.LINEAR)) {
      SamplerKind[][] pairs = {{SamplerKind.ANALYTIC_DDPM, SamplerKind.DDPM}, {SamplerKind.ANALYTIC_DDIM,
          SamplerKind.DDIM}};
      for (SamplerKind[] pair : pairs) {
        float[][] a = Driver.sample(Oracles.create(settings(pair[0], 10), context(gamma)), p, c, 9, 32, null);
        float[][] b = Driver.sample(Oracles.create(settings(pair[1], 10), context(gamma)), p, c, 9, 32, null);
        for (int i = 0; i < a.length; i++) {
          assertArrayEquals(b[i], a[i], 0.0f, pair[0].wire() + " sample " + i);
        }
        float[][] a25 = Driver.sample(Oracles.create(settings(pair[0], 25), context(gamma)), p, c, 9, 32, null);
        float[][] b25 = Driver.sample(Oracles.create(settings(pair[1], 25), context(gamma)), p, c, 9, 32, null);
        assertFalse(Arrays.deepEquals(a25, b25), pair[0].wire() + " at K = 25 differs from " + pair[1].wire());
      }
    }
  }

  /** For the majority label the last noisy step of K = 10 has Γ &lt; 1: there the samplers differ already. */
  @Test
  void theMajorityLabelKeepsOneUnclippedStepAtKTen() {
    double[] gamma = exactGuidedGamma(1, 3.0);
    List<PlanStep> a = plan(settings(SamplerKind.ANALYTIC_DDPM, 10), gamma);
    List<PlanStep> p = plan(settings(SamplerKind.DDPM, 10), gamma);
    int differ = 0;
    for (int i = 0; i < a.size(); i++) {
      differ += a.get(i).sigma2() != p.get(i).sigma2() ? 1 : 0;
    }
    assertEquals(1, differ);
    assertTrue(gamma[112] < 1.0 && gamma[223] > 1.0);
  }

  private static SamplerSettings settings(SamplerKind kind, int k) {
    SamplerSettings.Builder b = SamplerSettings.builder(kind).optSteps(k).optGuidance(3.0);
    return kind == SamplerKind.DDPM ? b.optVariance(SamplerSettings.VarianceKind.POSTERIOR).build() : b.build();
  }
}
