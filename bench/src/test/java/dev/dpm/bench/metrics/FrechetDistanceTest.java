package dev.dpm.bench.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

  @Test
  void identicalGaussiansAreAtDistanceZero() {
    double[][] a = randomSpd(12, new SplittableRandom(1));
    double[] mu = new double[12];
    for (int i = 0; i < 12; i++) {
      mu[i] = i * 0.3 - 1;
    }
    // tr Σ = Σ λ; the trace term must give back exactly tr Σ (1e-9 relative)
    assertEquals(0.0, FrechetDistance.distance(mu, a, mu, a), 1e-9 * trace(a));
  }

  @Test
  void diagonalCovariancesMatchTheClosedForm() {
    // commuting case: FD = |Δμ|² + Σ (√a_i − √b_i)²
    double[] mu1 = {0, 1, 2};
    double[] mu2 = {1, 1, 0};
    double[][] s1 = diag(4, 1, 0.25);
    double[][] s2 = diag(1, 9, 0.25);
    double expected = (1 + 0 + 4) + (2 - 1) * (2 - 1) + (1 - 3) * (1 - 3) + 0;
    assertEquals(expected, FrechetDistance.distance(mu1, s1, mu2, s2), 1e-10);
  }

  @Test
  void nonCommuting2x2MatchesTheClosedForm() {
    // For 2×2 PSD M: tr √M = √(tr M + 2√det M); with M = √A B √A: tr M = tr(AB), det M = det A det B.
    double[][] a = {{2.0, 0.7}, {0.7, 1.0}};
    double[][] b = {{0.5, -0.3}, {-0.3, 3.0}};
    double trAb = a[0][0] * b[0][0] + a[0][1] * b[1][0] + a[1][0] * b[0][1] + a[1][1] * b[1][1];
    double detA = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    double detB = b[0][0] * b[1][1] - b[0][1] * b[1][0];
    double trSqrt = Math.sqrt(trAb + 2 * Math.sqrt(detA * detB));
    double[] mu1 = {0.5, -1};
    double[] mu2 = {0, 1};
    double expected = 0.25 + 4 + trace(a) + trace(b) - 2 * trSqrt;
    assertEquals(trSqrt, FrechetDistance.traceSqrtProduct(a, b), 1e-12);
    assertEquals(expected, FrechetDistance.distance(mu1, a, mu2, b), 1e-12);
    // the formula is symmetric although the computation is not
    assertEquals(expected, FrechetDistance.distance(mu2, b, mu1, a), 1e-12);
  }

  @Test
  void scaledCovarianceInHigherDimension() {
    // Σ₂ = cΣ₁: tr (Σ₁^{1/2} cΣ₁ Σ₁^{1/2})^{1/2} = √c tr Σ₁, so FD = (1 − √c)² tr Σ₁
    double[][] a = randomSpd(40, new SplittableRandom(7));
    double c = 2.5;
    double[][] b = new double[40][40];
    for (int i = 0; i < 40; i++) {
      for (int j = 0; j < 40; j++) {
        b[i][j] = c * a[i][j];
      }
    }
    double[] mu = new double[40];
    double expected = (1 - Math.sqrt(c)) * (1 - Math.sqrt(c)) * trace(a);
    assertEquals(expected, FrechetDistance.distance(mu, a, mu, b), 1e-9 * trace(a));
  }

  @Test
  void statsAreMeanAndUnbiasedCovariance() {
    float[] rows = {1, 2, 3, 6, 5, 4}; // three rows of two: (1,2), (3,6), (5,4)
    FeatureStats s = FeatureStats.of(rows, 3, 2);
    assertEquals(3.0, s.mean()[0], 1e-12);
    assertEquals(4.0, s.mean()[1], 1e-12);
    // centred: (−2,−2), (0,2), (2,0): Σ = [[8, 4], [4, 8]] / 2
    assertEquals(4.0, s.cov()[0][0], 1e-12);
    assertEquals(2.0, s.cov()[0][1], 1e-12);
    assertEquals(2.0, s.cov()[1][0], 1e-12);
    assertEquals(4.0, s.cov()[1][1], 1e-12);
    assertEquals(3, s.n());
    assertThrows(IllegalArgumentException.class, () -> FeatureStats.of(new float[] {1, 2}, 1, 2));
  }

  @Test
  void sampleStatisticsApproachTheTrueDistance() {
    // 4000 draws of N(0, I₃) against N(m, 4 I₃): FD = |m|² + 3(2 − 1)² = 3 + 3; sampling error small
    SplittableRandom rng = new SplittableRandom(3);
    int n = 4000;
    int d = 3;
    float[] f = new float[n * d];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) gaussian(rng);
    }
    FeatureStats s = FeatureStats.of(f, n, d);
    FeatureStats truth = new FeatureStats(new double[] {1, 1, 1}, diag(4, 4, 4), 1);
    double fd = FrechetDistance.distance(s, truth);
    double se = FrechetDistance.bootstrapStdError(f, n, d, truth, 30, 11);
    assertTrue(se > 0.01 && se < 0.3, "bootstrap SE " + se);
    assertEquals(6.0, fd, 4 * se + 0.01, "fd " + fd + " se " + se);
  }

  static double[][] randomSpd(int d, SplittableRandom rng) {
    double[][] g = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        g[i][j] = gaussian(rng);
      }
    }
    double[][] a = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
          s += g[i][k] * g[j][k];
        }
        a[i][j] = s / d + (i == j ? 0.1 : 0);
      }
    }
    return a;
  }

  static double gaussian(SplittableRandom rng) {
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  static double[][] diag(double... v) {
    double[][] m = new double[v.length][v.length];
    for (int i = 0; i < v.length; i++) {
      m[i][i] = v[i];
    }
    return m;
  }

  static double trace(double[][] a) {
    double t = 0;
    for (int i = 0; i < a.length; i++) {
      t += a[i][i];
    }
    return t;
  }
}
