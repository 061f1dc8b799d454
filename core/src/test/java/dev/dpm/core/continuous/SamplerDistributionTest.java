package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import dev.dpm.core.catalog.Samplers;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Every continuous sampler, at an adequate step count, reproduces the oracles' distributions
 * (Monte Carlo tolerances of about 4 standard errors at n = 2000), and is deterministic and
 * batch-invariant.
 */
class SamplerDistributionTest {
  static final int N = 2000;
  static final SamplerSettings[] ADEQUATE = {
    SamplerSettings.builder(SamplerKind.SDE_EM).optSteps(500).optGrid(GridKind.QUADRATIC).build(),
    SamplerSettings.builder(SamplerKind.SDE_PC).optSteps(250).optGrid(GridKind.QUADRATIC).build(),
    SamplerSettings.builder(SamplerKind.ODE_EULER).optSteps(500).optGrid(GridKind.QUADRATIC).build(),
    SamplerSettings.builder(SamplerKind.ODE_HEUN).optSteps(100).optGrid(GridKind.QUADRATIC).build(),
    SamplerSettings.builder(SamplerKind.ODE_RK45).build(),
    SamplerSettings.builder(SamplerKind.DPM_SOLVER_2M).optSteps(50).optGrid(GridKind.LOGSNR).build(),
    SamplerSettings.builder(SamplerKind.EDM_HEUN).optSteps(40).optSChurn(10.0).optSTmin(0.05)
        .optSTmax(50.0).build(),
    SamplerSettings.builder(SamplerKind.DPM_SOLVER_3M).optSteps(50).optSigmas(SigmasKind.KARRAS).build(),
    SamplerSettings.builder(SamplerKind.SDE_DPM_SOLVER_2M).optSteps(100).optSigmas(SigmasKind.KARRAS).build(),
    SamplerSettings.builder(SamplerKind.UNIPC).optSteps(50).optGrid(GridKind.LOGSNR).optOrder(3).build(),
  };

  static Sampler create(SamplerSettings s, ModelContext ctx) {
    SamplerResult r = Samplers.create(s, ctx);
    assertTrue(r instanceof SamplerResult.Ok, () -> r.toString());
    return ((SamplerResult.Ok) r).sampler();
  }

  static void checkBatchInvariance(Sampler s, NoisePredictor m, float[][] big) {
    float[][] small = Driver.sample(s, m, 17, 8, 3, null);
    float[][] again = Driver.sample(s, m, 17, 8, 8, null);
    for (int i = 0; i < 8; i++) {
      assertArrayEquals(big[i], small[i], s.settings().kind() + " sample " + i + ": batch-invariant");
      assertArrayEquals(small[i], again[i], "deterministic");
    }
  }

  @Test
  void gaussianVarianceIsReproduced() {
    for (SamplerSettings s : ADEQUATE) {
      Sampler sampler = create(s, Oracles.GAUSSIAN_CTX);
      long t0 = System.nanoTime();
      float[][] x = Driver.sample(sampler, Oracles.GAUSSIAN_MODEL, 17, N, 256, null);
      double m = 0;
      double v = 0;
      for (float[] r : x) {
        for (float e : r) {
          m += e;
          v += (double) e * e;
        }
      }
      m /= 2 * N;
      v = v / (2 * N) - m * m;
      System.out.printf(Locale.ROOT, "gaussian %-14s mean %+.4f var %.4f (exact 0.25) %.1f s%n",
          s.kind().wire(), m, v, (System.nanoTime() - t0) / 1e9);
      assertEquals(0.0, m, 4 * Math.sqrt(0.25 / (2 * N)), s.kind().wire() + " mean");
      assertEquals(0.25, v, 4 * 0.25 * Math.sqrt(2.0 / (2 * N)), s.kind().wire() + " variance");
      checkBatchInvariance(sampler, Oracles.GAUSSIAN_MODEL, x);
    }
  }

  @Test
  void ringMeanCovarianceAndModeWeightsAreReproduced() {
    double perAxis = 0.32 + 0.0025; // E[(0.8 cos θ)²] + s²
    for (SamplerSettings s : ADEQUATE) {
      Sampler sampler = create(s, Oracles.CTX);
      long t0 = System.nanoTime();
      float[][] x = Driver.sample(sampler, Oracles.RING_MODEL, 17, N, 256, null);
      double[] mean = new double[2];
      double[][] cov = new double[2][2];
      int[] counts = new int[8];
      double within = 0;
      for (float[] r : x) {
        int k = Oracles.mode(r);
        counts[k]++;
        double dx = r[0] - Oracles.RING.means()[k][0];
        double dy = r[1] - Oracles.RING.means()[k][1];
        within += (dx * dx + dy * dy) / (2 * N);
        for (int a = 0; a < 2; a++) {
          mean[a] += r[a] / N;
          for (int b = 0; b < 2; b++) {
            cov[a][b] += (double) r[a] * r[b] / N;
          }
        }
      }
      StringBuilder w = new StringBuilder();
      for (int k = 0; k < 8; k++) {
        double p = counts[k] / (double) N;
        w.append(String.format(Locale.ROOT, " %.3f", p));
        assertEquals(0.125, p, 4 * Math.sqrt(0.125 * 0.875 / N), s.kind().wire() + " weight of mode " + k);
      }
      System.out.printf(Locale.ROOT, "ring %-14s mean (%+.4f, %+.4f) cov [%.4f %+.4f; %.4f] within-mode var %.5f weights%s %.1f s%n",
          s.kind().wire(), mean[0], mean[1], cov[0][0], cov[0][1], cov[1][1], within, w, (System.nanoTime() - t0) / 1e9);
      double seMean = Math.sqrt(perAxis / N);
      assertEquals(0.0, mean[0], 4 * seMean, "mean x");
      assertEquals(0.0, mean[1], 4 * seMean, "mean y");
      assertEquals(perAxis, cov[0][0], 0.02, "var x");
      assertEquals(perAxis, cov[1][1], 0.02, "var y");
      assertEquals(0.0, cov[0][1], 0.02, "cov xy");
      assertEquals(0.0025, within, 0.0025 * 0.1, s.kind().wire() + " within-mode variance");
      checkBatchInvariance(sampler, Oracles.RING_MODEL, x);
    }
  }

  @Test
  void odeEulerIsDdimWithAllSteps() {
    // t_i = 1 − i/1000 (i = 0..999) visits every n = 1000..1; the final denoising step at n = 1 is
    // DDIM's last step τ₁ → 0. DDIM is the Euler step of the probability-flow ODE in σ̃ = σ/α.
    Sampler euler = create(SamplerSettings.builder(SamplerKind.ODE_EULER).optSteps(999).build(), Oracles.CTX);
    Sampler ddim = create(SamplerSettings.builder(SamplerKind.DDIM).optSteps(1000).build(), Oracles.CTX);
    float[][] a = Driver.sample(euler, Oracles.RING_MODEL, 5, 64, 64, null);
    float[][] b = Driver.sample(ddim, Oracles.RING_MODEL, 5, 64, 64, null);
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < 2; j++) {
        worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
      }
    }
    System.out.printf(Locale.ROOT, "ode-euler (K=999, eps=1e-3) vs ddim (K=1000) on the ring: max |diff| %.1e%n", worst);
    assertTrue(worst < 1e-4, "float32 DDIM state vs double: " + worst);
  }
}
