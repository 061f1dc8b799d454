package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * On N(0, s² I) the probability-flow ODE is linear with the closed-form solution
 * x_t = x_T·√((α_t²s² + σ_t²)/(α_T²s² + σ_T²)); the ODE solvers are checked against it.
 */
class OdeClosedFormTest {
  static final double S2 = 0.25;
  static final NoiseSchedule SCHED = NoiseSchedule.linear(1000);
  static final VpSde SDE = VpSde.matched(SCHED);
  static final ModelContext CTX = new ModelContext(SCHED, 2, DataRange.UNBOUNDED, false, null);
  static final GaussianOracle ORACLE = new GaussianOracle(SDE, S2, 2);

  static double maxError(SamplerSettings s, VpSde sde, GaussianOracle oracle, float[][] latents) {
    ContinuousSampler sampler = Runs.sampler(s, CTX, sde);
    List<SamplingProcess> ps = Runs.fromLatents(sampler, oracle, latents, 1, 64);
    double scale = oracle.flowScale(1.0, s.eps() == null ? 1e-3 : s.eps());
    double err = 0;
    for (int i = 0; i < latents.length; i++) {
      float[] x = ps.get(i).sample();
      for (int j = 0; j < x.length; j++) {
        err = Math.max(err, Math.abs(x[j] - latents[i][j] * scale));
      }
    }
    return err;
  }

  @Test
  void rk45MatchesTheClosedFormWithin1e4() {
    float[][] latents = Runs.gaussians(7, 64, 2);
    SamplerSettings s = SamplerSettings.builder(SamplerKind.ODE_RK45).optDenoise(false).build();
    double err = maxError(s, SDE, ORACLE, latents);
    System.out.printf(Locale.ROOT, "ode-rk45 rtol=atol=1e-5: max |x - closed form| = %.3e%n", err);
    assertTrue(err < 1e-4, "error " + err);
  }

  @Test
  void convergenceOrders() {
    float[][] latents = Runs.gaussians(11, 16, 2);
    int[] ks = {10, 20, 40, 80, 160, 320};
    for (SamplerKind kind : new SamplerKind[] {SamplerKind.ODE_EULER, SamplerKind.ODE_HEUN,
        SamplerKind.DPM_SOLVER_2M}) {
      for (SamplerSettings.GridKind g : SamplerSettings.GridKind.values()) {
        StringBuilder sb = new StringBuilder(kind.wire() + " " + g + ":");
        double prev = Double.NaN;
        for (int k : ks) {
          SamplerSettings s = SamplerSettings.builder(kind).optSteps(k).optDenoise(false).optGrid(g).build();
          double e = maxError(s, SDE, ORACLE, latents);
          sb.append(String.format(Locale.ROOT, " K=%d %.3e (%.2f)", k, e, Math.log(prev / e) / Math.log(2)));
          prev = e;
        }
        System.out.println(sb);
      }
    }
  }
}
