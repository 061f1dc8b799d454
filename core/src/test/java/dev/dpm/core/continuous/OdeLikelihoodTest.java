package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class OdeLikelihoodTest {
  static final NoiseSchedule SCHED = NoiseSchedule.linear(1000);
  static final VpSde SDE = VpSde.matched(SCHED);
  static final ModelContext CTX = new ModelContext(SCHED, 2, DataRange.UNBOUNDED, false, null);

  @Test
  void gaussianMeanNllMatchesTheExactValue() {
    GaussianOracle oracle = new GaussianOracle(SDE, 0.25, 2);
    float[][] data = Runs.gaussians(3, 2000, 2);
    for (float[] x : data) {
      x[0] *= 0.5f;
      x[1] *= 0.5f;
    }
    OdeLikelihood ll = OdeLikelihood.create(OdeLikelihood.Settings.defaults(), CTX);
    long t0 = System.nanoTime();
    OdeLikelihood.Summary s = ll.evaluate(oracle, data, 5, 256);
    double exact = 0;
    double worst = 0;
    for (int i = 0; i < data.length; i++) {
      double lp = oracle.logDensity(data[i], 1e-5);
      exact += -lp / 2 / data.length;
      worst = Math.max(worst, Math.abs(s.results().get(i).logDensity() - lp));
    }
    System.out.printf(Locale.ROOT,
        "gaussian ODE NLL %.5f ± %.5f nats/dim, exact %.5f (population 0.72579), worst per-sample |Δlog p| %.2e, mean NFE %.0f, %.1f s%n",
        s.natsPerDim(), s.natsStdError(), exact, worst, s.meanNfe(), (System.nanoTime() - t0) / 1e9);
    assertEquals(exact, s.natsPerDim(), 0.01 * exact);
  }

  @Test
  void ringPerSample() {
    RingOracle oracle = new RingOracle(SDE);
    float[][] data = RingOracle.samples(9, 200);
    for (double c : new double[] {0x1p-6, 0x1p-8, 0x1p-10, 0x1p-12, 0x1p-14}) { for (double tol : new double[] {1e-5, 1e-7}) {
      OdeLikelihood ll = OdeLikelihood.create(OdeLikelihood.Settings.defaults().withFdScale(c).withTolerances(tol, tol), CTX);
      long t0 = System.nanoTime();
      OdeLikelihood.Summary s = ll.evaluate(oracle, data, 5, 256);
      double worst = 0;
      double mean = 0;
      for (int i = 0; i < data.length; i++) {
        double lp = oracle.logDensity(new double[] {data[i][0], data[i][1]}, 1e-5);
        double e = s.results().get(i).logDensity() - lp;
        worst = Math.max(worst, Math.abs(e));
        mean += e / data.length;
      }
      System.out.printf(Locale.ROOT, "ring tol=%.0e c=%.1e: worst |Δlog p| %.2e, mean %.2e, NLL %.4f, NFE %.0f, %.1f s%n",
          tol, c, worst, mean, s.natsPerDim(), s.meanNfe(), (System.nanoTime() - t0) / 1e9);
    }}
  }
}
