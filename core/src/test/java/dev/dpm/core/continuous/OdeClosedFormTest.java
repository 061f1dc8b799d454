package dev.dpm.core.continuous;

import dev.dpm.testkit.Runs;
import dev.dpm.testkit.GaussianOracle;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplingProcess;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * On N(0, s² I) the probability-flow ODE is linear with the closed-form solution
 * x_t = x_T·√((α_t²s² + σ_t²)/(α_T²s² + σ_T²)); the ODE solvers are checked against it from given
 * latents at t = 1 down to t = eps (no final denoising step).
 */
class OdeClosedFormTest {
  static final double S2 = 0.25;

  /** Max over latents and coordinates of |x(eps) − closed form|. */
  static double maxError(SamplerSettings s, VpSde sde, float[][] latents) {
    GaussianOracle oracle = new GaussianOracle(sde, S2, 2);
    ContinuousSampler sampler = Runs.sampler(s, Oracles.CTX, sde);
    List<SamplingProcess> ps = Runs.fromLatents(sampler, oracle, latents, 1, 64);
    double scale = oracle.flowScale(1.0, sampler.settings().eps());
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
    for (VpSde sde : new VpSde[] {Oracles.SDE, VpSde.linear(1000), VpSde.linear(1000).withSubVp(true),
        Oracles.SDE.withSubVp(true)}) {
      double err = maxError(s, sde, latents);
      System.out.printf(Locale.ROOT, "ode-rk45 rtol=atol=1e-5 on %s: max |x(eps) - closed form| = %.2e%n", sde, err);
      assertTrue(err < 1e-4, sde + ": " + err);
    }
    double tight = maxError(s.toBuilder().optRtol(1e-8).optAtol(1e-8).build(), Oracles.SDE, latents);
    assertTrue(tight < 1e-6, "tolerance 1e-8: " + tight); // float32 ε and result
  }

  @Test
  void convergenceOrdersAsStepsDouble() {
    float[][] latents = Runs.gaussians(11, 16, 2);
    int[] ks = {10, 20, 40, 80, 160, 320};
    Object[][] kinds = {{SamplerKind.ODE_EULER, 1.0}, {SamplerKind.ODE_HEUN, 2.0}, {SamplerKind.DPM_SOLVER_2M, 2.0}};
    StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
        "%nConvergence on N(0, 0.25 I), linear schedule N=1000, t: 1 -> 1e-3, max error vs closed form (observed order)%n"
            + "| sampler | grid |"));
    for (int k : ks) {
      table.append(" K=").append(k).append(" |");
    }
    table.append("\n|---|---|").append("---|".repeat(ks.length)).append('\n');
    for (Object[] kind : kinds) {
      for (GridKind g : GridKind.values()) {
        double[] e = new double[ks.length];
        table.append("| ").append(((SamplerKind) kind[0]).wire()).append(" | ").append(SamplerSettings.wireName(g)).append(" |");
        for (int i = 0; i < ks.length; i++) {
          e[i] = maxError(SamplerSettings.builder((SamplerKind) kind[0]).optSteps(ks[i]).optDenoise(false)
              .optGrid(g).build(), Oracles.SDE, latents);
          table.append(String.format(Locale.ROOT, i == 0 ? " %.2e |" : " %.2e (%.2f) |", e[i],
              i == 0 ? 0 : Math.log(e[i - 1] / e[i]) / Math.log(2)));
        }
        table.append('\n');
        double order = (double) kind[1];
        for (int i = ks.length - 2; i < ks.length; i++) { // the asymptotic regime: the last two doublings
          double p = Math.log(e[i - 1] / e[i]) / Math.log(2);
          assertTrue(Math.abs(p - order) < 0.15, kind[0] + " " + g + " K=" + ks[i] + ": order " + p);
        }
      }
    }
    System.out.println(table);
  }
}
