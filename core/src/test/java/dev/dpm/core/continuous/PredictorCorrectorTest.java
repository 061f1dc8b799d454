package dev.dpm.core.continuous;

import dev.dpm.testkit.GaussianOracle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplingProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Why the Langevin step of sde-pc uses expected norms: the sample's own ‖z‖/‖s‖ biases the
 * corrector in low dimension, while in high dimension the two agree.
 */
class PredictorCorrectorTest {
  static double variance(int d, int n, PredictorCorrector.Norms norms, double[] gamma) {
    VpSde sde = Oracles.SDE;
    GaussianOracle oracle = new GaussianOracle(sde, 0.25, d);
    double[] grid = TimeGrid.of(GridKind.QUADRATIC, sde, 1e-3, 250);
    NoiseSource src = new NoiseSource(21);
    List<SamplingProcess> ps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      NoiseStream s = src.stream(i);
      float[] z = new float[d];
      s.nextGaussian(z);
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        x[j] = z[j];
      }
      ps.add(new PredictorCorrector(sde, grid, true, x, s, PredictorKind.REVERSE_DIFFUSION, 0.16, 1, gamma, norms));
    }
    Driver.run(ps, oracle, 256, null);
    double m = 0;
    double v = 0;
    for (SamplingProcess p : ps) {
      for (float e : p.sample()) {
        m += e;
        v += (double) e * e;
      }
    }
    m /= (double) n * d;
    return v / ((double) n * d) - m * m;
  }

  @Test
  void perSampleNormsAreBiasedInLowDimensionOnly() {
    double[] gamma = dev.dpm.core.moments.Moments.isotropicGaussian(Oracles.SCHED, 0.25);
    double low = variance(2, 500, PredictorCorrector.Norms.SAMPLE, gamma);
    double lowExpected = variance(2, 2000, PredictorCorrector.Norms.EXPECTED, gamma);
    double high = variance(256, 60, PredictorCorrector.Norms.SAMPLE, gamma);
    double highExpected = variance(256, 60, PredictorCorrector.Norms.EXPECTED, gamma);
    System.out.printf(Locale.ROOT, "sde-pc snr 0.16, K=250 quadratic, Gaussian variance 0.25: d=2 per-sample norms %.3f, "
        + "expected norms %.4f; d=256 per-sample %.4f, expected %.4f%n", low, lowExpected, high, highExpected);
    assertTrue(low > 0.5, "per-sample norms in 2-D: " + low);
    assertEquals(0.25, lowExpected, 0.016);
    // in 256-D both carry the corrector's own discretisation bias (≈ snr² at each step) and agree
    assertEquals(0.25, high, 0.015);
    assertEquals(0.25, highExpected, 0.015);
    assertEquals(high, highExpected, 0.01);
  }
}
