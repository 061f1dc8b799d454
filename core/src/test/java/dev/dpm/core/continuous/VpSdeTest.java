package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.schedule.NoiseSchedule;
import org.junit.jupiter.api.Test;

class VpSdeTest {
  static final NoiseSchedule SCHED = NoiseSchedule.linear(1000);
  static final VpSde MATCHED = VpSde.matched(SCHED);
  static final VpSde LINEAR = VpSde.linear(1000);

  @Test
  void matchedAgreesWithTheDiscreteScheduleAtEveryStep() {
    for (int n = 0; n <= 1000; n += 37) {
      double t = n / 1000.0;
      assertEquals(SCHED.alphaBar(n), Math.pow(MATCHED.alpha(t), 2), 1e-15 + 1e-13 * SCHED.alphaBar(n));
      assertEquals(SCHED.betaBar(n), Math.pow(MATCHED.sigma(t), 2), 1e-13 * SCHED.betaBar(n) + 1e-300);
      assertEquals(n, MATCHED.stepIndex(t), 1e-9);
    }
    // β(t) on ((m−1)/N, m/N] is −N log(1 − β_m), the slope of log ᾱ there
    for (int m : new int[] {1, 2, 500, 1000}) {
      double inside = (m - 0.5) / 1000.0;
      assertEquals(-1000 * Math.log1p(-SCHED.beta(m)), MATCHED.beta(inside), 1e-12);
      assertEquals(-1000 * Math.log1p(-SCHED.beta(m)), MATCHED.beta(m / 1000.0), 1e-12, "left limit");
      double h = 1e-7;
      double slope = -(MATCHED.logAlphaBar(inside + h) - MATCHED.logAlphaBar(inside - h)) / (2 * h);
      assertEquals(MATCHED.beta(inside), slope, 1e-6 * slope);
      assertEquals(1 - SCHED.beta(m), MATCHED.langevinAlpha(inside), 1e-15);
    }
  }

  @Test
  void linearIsScoreSdesClosedForm() {
    double t = 0.3;
    assertEquals(-0.5 * t * t * 19.9 - 0.1 * t, LINEAR.logAlphaBar(t), 1e-15);
    assertEquals(0.1 + 19.9 * t, LINEAR.beta(t), 1e-14);
    // score_sde marginal_prob: std = √(1 − e^{2·lmc}), lmc = −¼t²(β₁−β₀) − ½tβ₀
    double lmc = -0.25 * t * t * 19.9 - 0.5 * t * 0.1;
    assertEquals(Math.exp(lmc), LINEAR.alpha(t), 1e-15);
    assertEquals(Math.sqrt(1 - Math.exp(2 * lmc)), LINEAR.sigma(t), 1e-15);
    VpSde sub = LINEAR.withSubVp(true);
    assertEquals(1 - Math.exp(2 * lmc), sub.sigma(t), 1e-15, "sub-VP std (not a typo)");
    double g2 = (0.1 + 19.9 * t) * (1 - Math.exp(-2 * 0.1 * t - 19.9 * t * t));
    assertEquals(g2, sub.diffusion2(t), 1e-12, "score_sde subVPSDE diffusion²");
  }

  @Test
  void diffusionMatchesTheMarginalVarianceForVpAndSubVp() {
    // For dx = f x dt + g dw with x_t = α x₀ + σ ε: g² = dσ²/dt − 2 f σ²
    for (VpSde sde : new VpSde[] {LINEAR, LINEAR.withSubVp(true), MATCHED, MATCHED.withSubVp(true)}) {
      for (double t : new double[] {0.0123, 0.2505, 0.7777}) {
        double h = 1e-7;
        double ds2 = (Math.pow(sde.sigma(t + h), 2) - Math.pow(sde.sigma(t - h), 2)) / (2 * h);
        double g2 = ds2 - 2 * sde.drift(t) * Math.pow(sde.sigma(t), 2);
        assertEquals(g2, sde.diffusion2(t), 1e-5 * g2, sde + " at " + t);
        assertEquals(sde.diffusion2(t) / (2 * sde.sigma(t)), sde.flowEpsCoefficient(t), 1e-12);
      }
    }
  }

  @Test
  void inversesRoundTrip() {
    for (VpSde sde : new VpSde[] {LINEAR, LINEAR.withSubVp(true), MATCHED, MATCHED.withSubVp(true)}) {
      double prev = Double.POSITIVE_INFINITY;
      for (double t : new double[] {1e-5, 1e-3, 0.0105, 0.5, 0.999, 1.0}) {
        assertEquals(t, sde.timeAtLogAlphaBar(sde.logAlphaBar(t)), 1e-12 * Math.max(1, t) + 1e-15, sde + " log ᾱ");
        assertEquals(t, sde.timeAtSigmaTilde(sde.sigmaTilde(t)), 1e-9 * t, sde + " σ̃");
        assertEquals(t, sde.timeAtLambda(sde.lambda(t)), 1e-9 * t, sde + " λ");
        assertEquals(Math.log(sde.alpha(t) / sde.sigma(t)), sde.lambda(t), 1e-12);
        assertEquals(sde.sigma(t) / sde.alpha(t), sde.sigmaTilde(t), 1e-12 * sde.sigmaTilde(t));
        assertTrue(sde.lambda(t) < prev, "λ decreases");
        prev = sde.lambda(t);
      }
      assertEquals(0.0, sde.timeAtLogAlphaBar(0.0));
      assertEquals(1.0, sde.timeAtLogAlphaBar(-1e9));
    }
  }

  @Test
  void gridsHaveExactEndsAndTheirSpacing() {
    double eps = 1e-3;
    double[] u = TimeGrid.of(GridKind.UNIFORM, MATCHED, eps, 4);
    assertArrayEquals(new double[] {1, 0.75025, 0.5005, 0.25075, 0.001}, u, 1e-15);
    double[] q = TimeGrid.of(GridKind.QUADRATIC, MATCHED, eps, 10);
    double[] l = TimeGrid.of(GridKind.LOGSNR, MATCHED, eps, 10);
    for (double[] g : new double[][] {q, l}) {
      assertEquals(1.0, g[0]);
      assertEquals(eps, g[10]);
    }
    double dl = MATCHED.lambda(l[1]) - MATCHED.lambda(l[0]);
    double dq = Math.sqrt(q[1]) - Math.sqrt(q[0]);
    for (int i = 1; i <= 10; i++) {
      assertTrue(q[i] < q[i - 1] && l[i] < l[i - 1]);
      assertEquals(dl, MATCHED.lambda(l[i]) - MATCHED.lambda(l[i - 1]), 1e-9, "uniform in λ");
      assertEquals(dq, Math.sqrt(q[i]) - Math.sqrt(q[i - 1]), 1e-12, "uniform in √t");
    }
    assertArrayEquals(new double[] {0.001, 0.25075, 0.5005, 0.75025, 1}, TimeGrid.reversed(u), 1e-15);
  }
}
