package dev.dpm.core.moments;

import dev.dpm.testkit.IsotropicGaussianEps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MomentsTest {
  static final double S2 = 0.25;

  /** M rows of N(0, s²I) in dimension d, from their own noise seed. */
  static DataSet gaussianRows(int m, int d, double s2, long seed) {
    float[] v = new float[m * d];
    float[] z = new float[d];
    NoiseSource src = new NoiseSource(seed);
    for (int i = 0; i < m; i++) {
      src.gaussian(i, 0, z);
      for (int j = 0; j < d; j++) {
        v[i * d + j] = (float) (Math.sqrt(s2) * z[j]);
      }
    }
    return DataSet.ofValues(v, m, new int[] {d}, DataRange.UNBOUNDED, "N(0," + s2 + ") rows");
  }

  @Test
  void closedFormMatchesHandValues() {
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    double[] g = Moments.isotropicGaussian(sched, S2);
    assertEquals(0.0, g[0]);
    // n = 1: β̄ = 1e-4, ᾱ = 1 − 1e-4 → Γ = 1e-4/(0.25·0.9999 + 1e-4)
    assertEquals(1e-4 / (0.25 * 0.9999 + 1e-4), g[1], 1e-15);
    // n = N: ᾱ_N = 4.036e-5 (reference §1.3) → Γ = (1 − ᾱ)/(1 − 0.75ᾱ) ≈ 1 − 0.25·ᾱ_N
    assertEquals(1 - 0.25 * 4.036e-5, g[1000], 2e-9);
    for (int n = 1; n < 1000; n++) {
      assertTrue(g[n] < g[n + 1] && g[n] > 0 && g[n] < 1, "monotone in (0, 1) at " + n);
    }
  }

  @Test
  void monteCarloAgreesWithClosedFormWithinItsStandardError() {
    NoiseSchedule sched = NoiseSchedule.linear(100);
    int d = 32;
    int m = 500;
    DataSet data = gaussianRows(m, d, S2, 99);
    IsotropicGaussianEps oracle = new IsotropicGaussianEps(sched, d, 0.0, S2);
    List<Long> ticks = new ArrayList<>();
    Moments.Estimate est = Moments.estimate(oracle, sched, data, 7, 64, ticks::add);
    double[] exact = Moments.isotropicGaussian(sched, S2);

    assertEquals(Moments.evaluations(m, 100), oracle.rowsEvaluated());
    assertEquals(Moments.evaluations(m, 100), (long) ticks.get(ticks.size() - 1));
    for (int i = 1; i < ticks.size(); i++) {
      assertTrue(ticks.get(i) > ticks.get(i - 1));
    }
    int within3 = 0;
    double sumZ2 = 0;
    for (int k = 0; k < 100; k++) {
      int n = est.steps()[k];
      double se = est.stdError()[k];
      // the per-row statistic is Γ_n·χ²_d/d: its standard error is Γ_n·√(2/d)/√M
      assertEquals(exact[n] * Math.sqrt(2.0 / d / m), se, 0.25 * exact[n] * Math.sqrt(2.0 / d / m), "se at " + n);
      double z = (est.mean()[k] - exact[n]) / se;
      assertTrue(Math.abs(z) < 4.5, "n=" + n + ": z=" + z);
      within3 += Math.abs(z) < 3 ? 1 : 0;
      sumZ2 += z * z;
    }
    assertTrue(within3 >= 95, "within 3 SE at " + within3 + "/100 steps");
    assertTrue(sumZ2 / 100 > 0.4 && sumZ2 / 100 < 2.0, "mean z^2 = " + sumZ2 / 100);
  }

  @Test
  void estimateDoesNotDependOnBatchSizeOrStepSubset() {
    NoiseSchedule sched = NoiseSchedule.linear(50);
    DataSet data = gaussianRows(37, 3, S2, 5);
    IsotropicGaussianEps oracle = new IsotropicGaussianEps(sched, 3, 0.0, S2);
    Moments.Estimate a = Moments.estimate(oracle, sched, data, 11, 1000, null);
    Moments.Estimate b = Moments.estimate(oracle, sched, data, 11, 7, null);
    assertArrayEquals(a.mean(), b.mean(), 0.0);
    assertArrayEquals(a.stdError(), b.stdError(), 0.0);
    Moments.Estimate sub = Moments.estimateAt(oracle, sched, data, new int[] {3, 40}, 11, 5, null);
    assertEquals(a.mean()[2], sub.mean()[0], 0.0);
    assertEquals(a.mean()[39], sub.mean()[1], 0.0);
    Moments.Estimate other = Moments.estimate(oracle, sched, data, 12, 7, null);
    assertTrue(other.mean()[10] != a.mean()[10], "another seed gives other noise");
  }

  @Test
  void allRowsPerStepIsTheOfficialEstimator() {
    NoiseSchedule sched = NoiseSchedule.linear(40);
    DataSet data = gaussianRows(23, 3, S2, 5);
    IsotropicGaussianEps oracle = new IsotropicGaussianEps(sched, 3, 0.0, S2);
    Moments.Estimate plain = Moments.estimate(oracle, sched, data, 3, 9, null);
    Moments.Estimate all = Moments.estimate(oracle, sched, data, 3, 9, new Moments.Options(23, false), null);
    assertArrayEquals(plain.mean(), all.mean(), 0.0);
    assertArrayEquals(plain.stdError(), all.stdError(), 0.0);
    assertEquals(23, plain.rowsPerStep());
    assertEquals(Estimator.MONTE_CARLO, plain.estimator());
  }

  /**
   * The control variate Q = ‖ε‖²/d (E Q = 1) keeps the estimate unbiased with honest standard
   * errors (z-scores against the closed form have mean ≈ 0 and variance ≈ 1 over 200 steps), and
   * at large n, where ε* ≈ ε, its standard error is many times smaller than the plain one.
   * Rows per step m &lt; M costs m·S evaluations.
   */
  @Test
  void controlVariateIsUnbiasedAndFarLessNoisyAtLargeN() {
    NoiseSchedule sched = NoiseSchedule.linear(200);
    int d = 16;
    int m = 400;
    int per = 100;
    DataSet data = gaussianRows(m, d, S2, 77);
    IsotropicGaussianEps oracle = new IsotropicGaussianEps(sched, d, 0.0, S2);
    Moments.Estimate cv = Moments.estimate(oracle, sched, data, 4, 64, new Moments.Options(per, true), null);
    assertEquals((long) per * 200, oracle.rowsEvaluated());
    assertEquals(Estimator.MONTE_CARLO_CONTROL_VARIATE, cv.estimator());
    assertEquals(m, cv.samples());
    assertEquals(per, cv.rowsPerStep());
    Moments.Estimate plain = Moments.estimate(oracle, sched, data, 4, 64, new Moments.Options(per, false), null);
    double[] exact = Moments.isotropicGaussian(sched, S2);
    double sumZ = 0;
    double sumZ2 = 0;
    for (int k = 0; k < 200; k++) {
      double z = (cv.mean()[k] - exact[k + 1]) / cv.stdError()[k];
      assertTrue(Math.abs(z) < 4.5, "n=" + (k + 1) + ": z=" + z);
      sumZ += z;
      sumZ2 += z * z;
    }
    assertEquals(0.0, sumZ / 200, 0.3, "mean z");
    assertEquals(1.0, sumZ2 / 200, 0.35, "mean z^2");
    // n = N: Γ = 1 − 0.25 ᾱ_N/(…) ≈ 1, ε* = √β̄ x_N/(ᾱ s² + β̄) ≈ ε
    assertTrue(cv.stdError()[199] * 20 < plain.stdError()[199],
        "cv se " + cv.stdError()[199] + " vs plain " + plain.stdError()[199]);
    assertEquals(exact[200], cv.mean()[199], 4 * cv.stdError()[199] + 1e-12);
  }

  @Test
  void rejectsBadArguments() {
    NoiseSchedule sched = NoiseSchedule.linear(30);
    IsotropicGaussianEps oracle = new IsotropicGaussianEps(sched, 3, 0.0, S2);
    assertThrows(IllegalArgumentException.class,
        () -> Moments.estimate(oracle, sched, gaussianRows(10, 4, S2, 1), 0, 8, null));
    assertThrows(IllegalArgumentException.class,
        () -> Moments.estimate(oracle, sched, gaussianRows(1, 3, S2, 1), 0, 8, null));
    assertThrows(IllegalArgumentException.class,
        () -> Moments.estimateAt(oracle, sched, gaussianRows(5, 3, S2, 1), new int[] {4, 4}, 0, 8, null));
    assertThrows(IllegalArgumentException.class, () -> Moments.estimate(oracle, sched, gaussianRows(5, 3, S2, 1), 0, 8,
        new Moments.Options(2, true), null));
    assertThrows(IllegalArgumentException.class, () -> new Moments.Options(-1, false));
    assertThrows(IllegalStateException.class, () -> Moments.estimateAt(oracle, sched,
        gaussianRows(5, 3, S2, 1), new int[] {4}, 0, 8, null).toGamma(30, null));
  }
}
