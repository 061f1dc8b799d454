package dev.dpm.core.model;

import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The exact oracle against closed forms and finite differences. */
class GaussianMixturePredictorTest {
  private static final NoiseSchedule LINEAR = NoiseSchedule.linear(1000);

  static MixtureSpec ring() throws IOException {
    return ModelSpec.read(Path.of("..", "models", "gmm-ring-2d")).mixture();
  }

  static MixtureSpec gaussian() throws IOException {
    return ModelSpec.read(Path.of("..", "models", "gaussian")).mixture();
  }

  @Test
  void bundledManifestsDescribeTheOracles() throws IOException {
    ModelSpec g = ModelSpec.read(Path.of("..", "models", "gaussian"));
    assertEquals(ModelKind.GAUSSIAN_MIXTURE, g.kind());
    assertEquals(2, g.dimension());
    assertEquals(0.5, g.mixture().stds()[0]);
    assertTrue(!g.dataRange().bounded() && !g.eightBit());
    assertEquals(TimeInput.INDEX, g.timeInput());
    assertEquals(LINEAR, g.schedule().build(g.dir()));
    try (GaussianMixturePredictor p = ModelLoader.oracle(g)) {
      assertEquals(2, p.dimension());
      assertEquals(LINEAR, p.schedule());
    }
    MixtureSpec r = ring();
    assertEquals(8, r.weights().length);
    for (int k = 0; k < 8; k++) {
      assertEquals(0.8, Math.hypot(r.means()[k][0], r.means()[k][1]), 1e-15);
      assertEquals(k * Math.PI / 4, Math.atan2(r.means()[k][1], r.means()[k][0]) + (k > 4 ? 2 * Math.PI : 0),
          1e-15);
      assertEquals(0.05, r.stds()[k]);
    }
  }

  @Test
  void gaussianEpsMatchesClosedForm() throws IOException {
    try (GaussianMixturePredictor p = new GaussianMixturePredictor(gaussian(), LINEAR)) {
      float[] x = {0.3f, -1.7f, 2.5f, 0.01f};
      double[] n = {1, 500, 1000, 37.25};
      float[] eps = p.predictEps(x, n, 2); // only the first 2 rows
      assertEquals(4, eps.length);
      float[] eps2 = p.predictEps(new float[] {2.5f, 0.01f}, new double[] {37.25}, 1);
      for (int b = 0; b < 2; b++) {
        double la = LINEAR.logAlphaBarAt(n[b]);
        double a = Math.exp(la);
        double bb = 1 - a;
        for (int j = 0; j < 2; j++) {
          double expected = Math.sqrt(bb) * x[2 * b + j] / (a * 0.25 + bb); // −√β̄ ∇log q
          assertEquals(expected, eps[2 * b + j], 1e-6 * Math.abs(expected) + 1e-7);
        }
      }
      double a = Math.exp(LINEAR.logAlphaBarAt(37.25));
      assertEquals(Math.sqrt(1 - a) * 2.5 / (a * 0.25 + 1 - a), eps2[0], 1e-6);
      float[] zero = p.predictEps(new float[] {1f, 1f}, new double[] {0}, 1);
      assertEquals(0f, zero[0]);
    }
  }

  @Test
  void ringEpsIsMinusSqrtBetaBarTimesScore() throws IOException {
    try (GaussianMixturePredictor p = new GaussianMixturePredictor(ring(), LINEAR)) {
      float h = 1f / 1024f;
      float[][] points = {{0.75f, 0.125f}, {0f, 0f}, {-0.5f, 0.5f}, {1.5f, -2f}};
      for (double n : new double[] {5, 60.5, 300, 999}) {
        for (float[] x : points) {
          float[] eps = p.predictEps(x.clone(), new double[] {n}, 1);
          double bb = -Math.expm1(LINEAR.logAlphaBarAt(n));
          for (int j = 0; j < 2; j++) {
            float[] up = x.clone();
            float[] dn = x.clone();
            up[j] += h;
            dn[j] -= h;
            double grad = (p.logDensity(up, n) - p.logDensity(dn, n)) / (2 * h);
            double expected = -Math.sqrt(bb) * grad;
            assertEquals(expected, eps[j], 2e-3 * Math.abs(expected) + 1e-5, "n=" + n);
          }
        }
      }
    }
  }

  @Test
  void logDensityIsNormalised() throws IOException {
    try (GaussianMixturePredictor p = new GaussianMixturePredictor(ring(), LINEAR)) {
      for (double n : new double[] {0, 20}) {
        double step = 0.004;
        double sum = 0;
        float[] x = new float[2];
        for (double u = -1.2; u <= 1.2; u += step) {
          for (double v = -1.2; v <= 1.2; v += step) {
            x[0] = (float) u;
            x[1] = (float) v;
            sum += Math.exp(p.logDensity(x, n)) * step * step;
          }
        }
        assertEquals(1.0, sum, 2e-3, "n=" + n);
      }
      // Far from the data, q_N is the standard normal up to √ᾱ_N·0.8 ≈ 0.005.
      float[] x = {0.3f, -0.2f};
      assertEquals(-Math.log(2 * Math.PI) - 0.5 * (0.09 + 0.04), p.logDensity(x, 1000), 1e-2);
    }
  }

  /** Γ^eps by Monte Carlo over exact data with the oracle equals the closed form within 4 SE. */
  @Test
  void monteCarloGammaMatchesClosedForm() throws IOException {
    double[] exact = dev.dpm.core.moments.Moments.isotropicGaussian(LINEAR, 0.25);
    assertEquals(0.366579, exact[112], 1e-6);
    assertEquals(0.999990, exact[1000], 1e-6);
    assertEquals(0.0, exact[0]);
    MixtureSpec m = gaussian();
    int count = 4000;
    try (GaussianMixturePredictor p = new GaussianMixturePredictor(m, LINEAR)) {
      NoiseSource src = new NoiseSource(7);
      for (int n : new int[] {1, 10, 112, 500, 1000}) {
        float[] x = new float[2 * count];
        double[] t = new double[count];
        float[] x0 = new float[2];
        float[] e = new float[2];
        for (int i = 0; i < count; i++) {
          NoiseStream s = src.stream(i + 10_000L * n);
          GaussianMixturePredictor.sampleData(m, s, x0);
          s.nextGaussian(e);
          for (int j = 0; j < 2; j++) {
            x[2 * i + j] = (float) (Math.sqrt(LINEAR.alphaBar(n)) * x0[j] + Math.sqrt(LINEAR.betaBar(n)) * e[j]);
          }
          t[i] = n;
        }
        float[] eps = p.predictEps(x, t, count);
        double sum = 0;
        double sum2 = 0;
        for (int i = 0; i < count; i++) {
          double v = (eps[2 * i] * eps[2 * i] + eps[2 * i + 1] * eps[2 * i + 1]) / 2.0;
          sum += v;
          sum2 += v * v;
        }
        double mean = sum / count;
        double se = Math.sqrt((sum2 / count - mean * mean) / count);
        assertEquals(exact[n], mean, 4 * se + 1e-7, "n=" + n);
      }
    }
  }

  @Test
  void sampleDataDrawsTheMixture() throws IOException {
    MixtureSpec m = ring();
    int n = 8000;
    float[][] xs = GaussianMixturePredictor.sampleData(m, 3, n);
    int[] counts = new int[8];
    double within = 0;
    for (float[] x : xs) {
      int best = 0;
      double bestD = Double.POSITIVE_INFINITY;
      for (int k = 0; k < 8; k++) {
        double d = Math.pow(x[0] - m.means()[k][0], 2) + Math.pow(x[1] - m.means()[k][1], 2);
        if (d < bestD) {
          bestD = d;
          best = k;
        }
      }
      counts[best]++;
      within += bestD / 2;
    }
    double se = Math.sqrt(0.125 * 0.875 / n);
    for (int k = 0; k < 8; k++) {
      assertEquals(0.125, counts[k] / (double) n, 4 * se, "mode " + k);
    }
    // per-coordinate variance within a component: 0.0025, SE ≈ 0.0025·√(2/n)
    assertEquals(0.0025, within / n, 4 * 0.0025 * Math.sqrt(2.0 / n));
  }
}
