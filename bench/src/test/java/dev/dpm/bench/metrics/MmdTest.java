package dev.dpm.bench.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import org.junit.jupiter.api.Test;

class MmdTest {
  /** The gmm-ring-2d oracle: 8 components of std 0.05 on a ring of radius 0.8. */
  static MixtureSpec ring(double std) {
    double[] w = new double[8];
    double[][] mu = new double[8][];
    double[] s = new double[8];
    for (int k = 0; k < 8; k++) {
      w[k] = 0.125;
      mu[k] = new double[] {0.8 * Math.cos(k * Math.PI / 4), 0.8 * Math.sin(k * Math.PI / 4)};
      s[k] = std;
    }
    return new MixtureSpec(w, mu, s);
  }

  @Test
  void handComputedTwoSampleEstimate() {
    // 1-D, h = 1: x = {0, 1}, y = {0, 2}
    float[][] x = {{0}, {1}};
    float[][] y = {{0}, {2}};
    double k1 = Math.exp(-0.5);
    double k2 = Math.exp(-2.0);
    // xx: k(0,1) = k1; yy: k(0,2) = k2; xy: k(0,0)=1, k(0,2)=k2, k(1,0)=k1, k(1,2)=k1
    double expected = k1 + k2 - 2 * (1 + k2 + 2 * k1) / 4;
    assertEquals(expected, Mmd.unbiased(x, y, 1.0).value(), 1e-15);
  }

  @Test
  void exactMmdOfAMixtureWithItselfIsZero() {
    assertEquals(0.0, Mmd.betweenMixtures(ring(0.05), ring(0.05), 0.1), 1e-15);
    assertTrue(Mmd.betweenMixtures(ring(0.1), ring(0.05), 0.1) > 1e-3);
  }

  @Test
  void kernelMeanMatchesMonteCarlo() {
    MixtureSpec p = ring(0.05);
    float[][] ys = GaussianMixturePredictor.sampleData(p, 5, 40000);
    float[] x = {0.7f, 0.2f};
    double sum = 0;
    double sumSq = 0;
    for (float[] y : ys) {
      double k = Mmd.kernel(x, y, 0.2);
      sum += k;
      sumSq += k * k;
    }
    double mean = sum / ys.length;
    double se = Math.sqrt((sumSq / ys.length - mean * mean) / ys.length);
    assertEquals(mean, Mmd.kernelMean(x, p, 0.2), 4 * se);
  }

  @Test
  void exactSamplesGiveZeroAgainstTheirMixture() {
    MixtureSpec p = ring(0.05);
    float[][] xs = GaussianMixturePredictor.sampleData(p, 1, 1000);
    Mmd.Estimate e = Mmd.againstMixture(xs, p, 0.1);
    // at Q = P the estimate's spread is O(1/n); 2e-3 is ~5x the spread seen over seeds
    assertEquals(0.0, e.value(), 2e-3, "estimate " + e);
    float[][] other = GaussianMixturePredictor.sampleData(p, 2, 1000);
    assertEquals(0.0, Mmd.unbiased(xs, other, 0.1).value(), 3e-3);
  }

  @Test
  void widenedModesAreDetectedAtTheExactValue() {
    MixtureSpec p = ring(0.05);
    MixtureSpec q = ring(0.1);
    double exact = Mmd.betweenMixtures(q, p, 0.1);
    float[][] xs = GaussianMixturePredictor.sampleData(q, 3, 1500);
    Mmd.Estimate e = Mmd.againstMixture(xs, p, 0.1);
    assertTrue(e.stdError() > 0 && e.stdError() < exact / 5, "estimate " + e + " exact " + exact);
    assertEquals(exact, e.value(), 4 * e.stdError(), "estimate " + e + " exact " + exact);
    float[][] ys = GaussianMixturePredictor.sampleData(p, 4, 1500);
    Mmd.Estimate two = Mmd.unbiased(xs, ys, 0.1);
    assertEquals(exact, two.value(), 4 * two.stdError(), "two-sample " + two + " exact " + exact);
  }
}
