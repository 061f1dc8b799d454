package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The probability-flow ODE likelihood against the oracles' exact log-densities. */
class OdeLikelihoodTest {
  static final double N_EPS = 1e-5 * 1000; // step index of t = eps_ll

  @Test
  void gaussianMeanNllMatchesTheExactValueWithin1Percent() {
    float[][] data = GaussianMixturePredictor.sampleData(Oracles.GAUSSIAN, 3, 2000);
    OdeLikelihood ll = OdeLikelihood.create(OdeLikelihood.Settings.defaults(), Oracles.CTX);
    assertEquals(0, ll.probes(), "d = 2: exact trace");
    long t0 = System.nanoTime();
    OdeLikelihood.Summary s = ll.evaluate(Oracles.GAUSSIAN_MODEL, data, 5, 256);
    double exact = 0;
    double worst = 0;
    for (int i = 0; i < data.length; i++) {
      double lp = Oracles.GAUSSIAN_MODEL.logDensity(data[i], N_EPS);
      exact += -lp / 2 / data.length;
      worst = Math.max(worst, Math.abs(s.results().get(i).logDensity() - lp));
    }
    System.out.printf(Locale.ROOT, "gaussian: ODE NLL %.5f ± %.5f nats/dim, exact %.5f (population %.5f), "
        + "worst per-sample |Δ log p| %.1e nats, NFE %.0f/sample, %.1f s%n", s.natsPerDim(), s.natsStdError(),
        exact, 0.5 * Math.log(2 * Math.PI * 0.25) + 0.5, worst, s.meanNfe(), (System.nanoTime() - t0) / 1e9);
    assertEquals(exact, s.natsPerDim(), 0.01 * exact);
    assertEquals(exact, s.natsPerDim(), 1e-4 * exact, "in fact far closer");
    assertTrue(worst < 1e-3, "per sample " + worst);
    assertEquals(s.natsPerDim() / Math.log(2), s.bitsPerDim(), 1e-12, "continuous: bits = nats/ln 2");
  }

  @Test
  void ringAgreesWithTheExactLogDensityPerSample() {
    float[][] data = GaussianMixturePredictor.sampleData(Oracles.RING, 9, 300);
    double[] worst = new double[2];
    double[] tols = {1e-5, 1e-7};
    for (int c = 0; c < 2; c++) {
      OdeLikelihood ll = OdeLikelihood.create(
          OdeLikelihood.Settings.defaults().withTolerances(tols[c], tols[c]), Oracles.CTX);
      OdeLikelihood.Summary s = ll.evaluate(Oracles.RING_MODEL, data, 5, 128);
      for (int i = 0; i < data.length; i++) {
        double lp = Oracles.RING_MODEL.logDensity(data[i], N_EPS);
        worst[c] = Math.max(worst[c], Math.abs(s.results().get(i).logDensity() - lp));
      }
      System.out.printf(Locale.ROOT, "ring rtol=atol=%.0e: worst per-sample |Δ log p| %.1e nats, NLL %.4f nats/dim, NFE %.0f%n",
          tols[c], worst[c], s.natsPerDim(), s.meanNfe());
    }
    assertTrue(worst[0] < 5e-3, "default tolerances: " + worst[0]);
    assertTrue(worst[1] < 5e-4, "finite differences at 1e-7: " + worst[1]);
  }

  @Test
  void hutchinsonIsUnbiasedAndMoreProbesReduceItsSpread() {
    float[][] data = GaussianMixturePredictor.sampleData(Oracles.RING, 4, 400);
    double[] spread = new double[2];
    int[] probes = {1, 8};
    for (int c = 0; c < 2; c++) {
      OdeLikelihood ll = OdeLikelihood.create(
          OdeLikelihood.Settings.defaults().withProbes(probes[c]), Oracles.CTX);
      assertEquals(probes[c], ll.probes());
      OdeLikelihood.Summary s = ll.evaluate(Oracles.RING_MODEL, data, 7, 128);
      double m = 0;
      double m2 = 0;
      for (int i = 0; i < data.length; i++) {
        double e = s.results().get(i).logDensity() - Oracles.RING_MODEL.logDensity(data[i], N_EPS);
        m += e / data.length;
        m2 += e * e / data.length;
      }
      spread[c] = Math.sqrt(m2 - m * m);
      double se = spread[c] / Math.sqrt(data.length);
      System.out.printf(Locale.ROOT, "ring Hutchinson P=%d: mean error %.4f ± %.4f nats, spread %.4f, NFE %.0f%n",
          probes[c], m, se, spread[c], s.meanNfe());
      assertTrue(Math.abs(m) < 4 * se + 2e-3, "unbiased: " + m + " ± " + se);
    }
    assertTrue(spread[1] < spread[0] / 2, "8 probes: " + spread[1] + " vs " + spread[0]);
  }

  @Test
  void eightBitDataAreDequantisedAndReportedInBitsPerDim() {
    ModelContext ctx = new ModelContext(Oracles.SCHED, 2, DataRange.SYMMETRIC_UNIT, true, null);
    float[][] data = GaussianMixturePredictor.sampleData(Oracles.GAUSSIAN, 6, 100);
    for (float[] x : data) {
      for (int j = 0; j < 2; j++) { // 8-bit levels in [−1, 1]
        double k = Math.rint((Math.max(-1, Math.min(1, x[j])) + 1) / 2 * 255);
        x[j] = (float) (-1 + 2 * k / 255);
      }
    }
    OdeLikelihood ll = OdeLikelihood.create(OdeLikelihood.Settings.defaults(), ctx);
    OdeLikelihood.Summary s = ll.evaluate(Oracles.GAUSSIAN_MODEL, data, 8, 64);
    assertTrue(s.dequantized());
    NoiseSource src = new NoiseSource(8);
    for (int i = 0; i < data.length; i++) {
      double[] y = new double[2];
      OdeLikelihood.dequantize(data[i], DataRange.SYMMETRIC_UNIT, src.stream(i), y);
      float[] yf = new float[2];
      for (int j = 0; j < 2; j++) {
        double k = Math.rint((data[i][j] + 1) / 2 * 255);
        double lo = -1 + 2 * k / 256;
        assertTrue(y[j] >= lo && y[j] < lo + 2.0 / 256, "inside its bin: " + y[j] + " level " + k);
        yf[j] = (float) y[j];
      }
      double exactBits = -Oracles.GAUSSIAN_MODEL.logDensity(yf, N_EPS) / (2 * Math.log(2)) + 7;
      assertEquals(exactBits, s.results().get(i).bitsPerDim(), 1e-3, "row " + i);
    }
    System.out.printf(Locale.ROOT, "8-bit gaussian in [-1,1]: %.4f ± %.4f bits/dim%n", s.bitsPerDim(), s.bitsStdError());
  }

  @Test
  void uniformsFromTheNormalCdfAreUniform() {
    assertEquals(0.5, OdeLikelihood.normalCdf(0), 1e-7);
    assertEquals(0.8413447460685429, OdeLikelihood.normalCdf(1), 2e-7);
    assertEquals(0.022750131948179195, OdeLikelihood.normalCdf(-2), 2e-7);
  }

  @Test
  void resultsDoNotDependOnBatchMates() {
    float[][] data = GaussianMixturePredictor.sampleData(Oracles.RING, 5, 64);
    OdeLikelihood ll = OdeLikelihood.create(OdeLikelihood.Settings.defaults().withProbes(2), Oracles.CTX);
    OdeLikelihood.Summary all = ll.evaluate(Oracles.RING_MODEL, data, 3, 64);
    OdeLikelihood.Summary few = ll.evaluate(Oracles.RING_MODEL, java.util.Arrays.copyOf(data, 8), 3, 3);
    for (int i = 0; i < 8; i++) {
      assertEquals(all.results().get(i).logDensity(), few.results().get(i).logDensity(), 0.0);
      assertArrayEquals(all.results().get(i).latent(), few.results().get(i).latent());
    }
  }

  @Test
  void invalidSettingsNameTheirField() {
    OdeLikelihood.Settings bad = new OdeLikelihood.Settings(0.2, 0, -1, -1, 0.5);
    List<Problem> p = bad.problems();
    assertEquals(List.of("eps", "rtol", "atol", "probes", "fd-scale"), p.stream().map(Problem::field).toList());
    assertThrows(IllegalArgumentException.class, () -> OdeLikelihood.create(bad, Oracles.CTX));
    assertTrue(OdeLikelihood.Settings.defaults().problems().isEmpty());
  }
}
