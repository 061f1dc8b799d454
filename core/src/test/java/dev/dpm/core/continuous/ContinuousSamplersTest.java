package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import dev.dpm.core.sampler.SamplerSettings.VarianceKind;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation and defaults of the continuous kinds, through the one factory. */
class ContinuousSamplersTest {
  static Map<String, String> problems(SamplerSettings s) {
    SamplerResult r = Samplers.create(s, Oracles.CTX);
    SamplerResult.Invalid inv = assertInstanceOf(SamplerResult.Invalid.class, r);
    Map<String, String> m = new LinkedHashMap<>();
    for (Problem p : inv.problems()) {
      m.merge(p.field(), p.message(), (a, b) -> a + "; " + b);
    }
    return m;
  }

  static Sampler ok(SamplerSettings s) {
    SamplerResult r = Samplers.create(s, Oracles.CTX);
    return assertInstanceOf(SamplerResult.Ok.class, r, () -> r.toString()).sampler();
  }

  static SamplerSettings.Builder b(SamplerKind k) {
    return SamplerSettings.builder(k);
  }

  @Test
  void defaultsAreFilledAndEchoed() {
    assertEquals(Map.of("name", "sde-em", "steps", 100, "eps", 1e-3, "grid", "uniform", "denoise", true),
        ok(b(SamplerKind.SDE_EM).optSteps(100).build()).settings().toMap());
    assertEquals(Map.of("name", "sde-pc", "steps", 10, "snr", 0.16, "corrector-steps", 1,
        "predictor", "reverse-diffusion", "eps", 1e-3, "grid", "uniform", "denoise", true),
        ok(b(SamplerKind.SDE_PC).optSteps(10).build()).settings().toMap());
    SamplerSettings rk = ok(b(SamplerKind.ODE_RK45).build()).settings();
    assertEquals(Map.of("name", "ode-rk45", "rtol", 1e-5, "atol", 1e-5, "eps", 1e-3, "denoise", true), rk.toMap());
    assertNull(rk.steps());
    assertNull(rk.grid());
    Sampler dpm = ok(b(SamplerKind.DPM_SOLVER_2M).optSteps(20).optGrid(GridKind.LOGSNR).optEps(1e-4)
        .optDenoise(false).build());
    assertEquals(Map.of("name", "dpm-solver-2m", "steps", 20, "eps", 1e-4, "grid", "logsnr", "denoise", false),
        dpm.settings().toMap());
    ContinuousSampler c = assertInstanceOf(ContinuousSampler.class, dpm);
    assertEquals(21, c.grid().length);
    assertEquals(1e-4, c.grid()[20]);
    assertTrue(c.deterministic());
    assertEquals(PredictorKind.EULER_MARUYAMA, ok(b(SamplerKind.SDE_PC).optSteps(3)
        .optPredictor(PredictorKind.EULER_MARUYAMA).build()).settings().predictor());
  }

  @Test
  void invalidCombinationsNameTheirField() {
    assertEquals(List.of("steps"), List.copyOf(problems(b(SamplerKind.ODE_RK45).optSteps(10).build()).keySet()));
    assertTrue(problems(b(SamplerKind.ODE_RK45).optSteps(10).build()).get("steps").contains("adaptive"));
    assertEquals(List.of("steps"), List.copyOf(problems(b(SamplerKind.ODE_HEUN).build()).keySet()));
    assertEquals(List.of("steps"), List.copyOf(problems(b(SamplerKind.ODE_HEUN).optSteps(0).build()).keySet()));
    assertEquals(List.of("steps"), List.copyOf(problems(b(SamplerKind.ODE_HEUN).optSteps(100_001).build()).keySet()));
    assertEquals(List.of("snr", "corrector-steps"), List.copyOf(problems(b(SamplerKind.SDE_PC).optSteps(10)
        .optSnr(0.0).optCorrectorSteps(0).build()).keySet()));
    assertEquals(List.of("snr"), List.copyOf(problems(b(SamplerKind.SDE_PC).optSteps(10).optSnr(-1.0).build()).keySet()));
    assertEquals(List.of("snr"), List.copyOf(problems(b(SamplerKind.SDE_PC).optSteps(10).optSnr(Double.NaN).build()).keySet()));
    assertEquals(List.of("rtol", "atol"), List.copyOf(problems(b(SamplerKind.ODE_RK45).optRtol(0.0).optAtol(-1e-5).build()).keySet()));
    assertEquals(List.of("rtol"), List.copyOf(problems(b(SamplerKind.ODE_RK45).optRtol(1e-20).build()).keySet()));
    for (double eps : new double[] {0.0, -1e-3, 0.11, 1.0, Double.NaN}) {
      assertEquals(List.of("eps"), List.copyOf(problems(b(SamplerKind.ODE_EULER).optSteps(5).optEps(eps).build()).keySet()), "eps " + eps);
    }
    ok(b(SamplerKind.ODE_EULER).optSteps(5).optEps(0.1).build());
    // flags that belong to other kinds
    Map<String, String> p = problems(b(SamplerKind.ODE_EULER).optSteps(5).optSnr(0.1).optCorrectorSteps(2)
        .optPredictor(PredictorKind.EULER_MARUYAMA).optRtol(1e-3).optAtol(1e-3).optEta(0.0)
        .optVariance(VarianceKind.FORWARD).optClipSigma2(1).optTrajectory(TrajectoryKind.EVEN)
        .optTimesteps(new int[] {1, 2}).build());
    assertEquals(List.of("trajectory", "timesteps", "eta", "variance", "clip-sigma2", "snr", "corrector-steps",
        "predictor", "rtol", "atol"), List.copyOf(p.keySet()));
    assertEquals("does not apply to ode-euler", p.get("snr"));
    assertEquals(List.of("grid"), List.copyOf(problems(b(SamplerKind.ODE_RK45).optGrid(GridKind.UNIFORM).build()).keySet()));
    // the discrete factory rejects the continuous-only flags
    assertTrue(Samplers.create(b(SamplerKind.DDIM).optSteps(10).optEps(1e-3).build(), Oracles.CTX)
        instanceof SamplerResult.Invalid);
    // a discrete kind handed to this factory directly
    SamplerResult r = ContinuousSamplers.create(b(SamplerKind.DDIM).optSteps(10).build(), Oracles.CTX);
    assertEquals("name", assertInstanceOf(SamplerResult.Invalid.class, r).problems().get(0).field());
  }

  @Test
  void newSamplersFillDefaultsAndNameBadFields() {
    assertEquals(Map.of("name", "edm-heun", "steps", 10, "eps", 1e-3, "sigmas", "karras", "denoise", true,
        "s-churn", 0.0, "s-tmin", 0.0, "s-noise", 1.0), ok(b(SamplerKind.EDM_HEUN).optSteps(10).build()).settings().toMap());
    assertTrue(((ContinuousSampler) ok(b(SamplerKind.EDM_HEUN).optSteps(10).build())).deterministic());
    assertTrue(!((ContinuousSampler) ok(b(SamplerKind.EDM_HEUN).optSteps(10).optSChurn(1.0).build())).deterministic());
    assertTrue(!((ContinuousSampler) ok(b(SamplerKind.SDE_DPM_SOLVER_2M).optSteps(10).build())).deterministic());
    assertEquals(Map.of("name", "unipc", "steps", 10, "eps", 1e-3, "grid", "uniform", "denoise", true, "order", 2),
        ok(b(SamplerKind.UNIPC).optSteps(10).build()).settings().toMap());
    assertEquals(Map.of("name", "dpm-solver-3m", "steps", 10, "eps", 1e-3, "sigmas", "karras", "denoise", true),
        ok(b(SamplerKind.DPM_SOLVER_3M).optSteps(10).optSigmas(SigmasKind.KARRAS).build()).settings().toMap());
    assertEquals(List.of("order"), List.copyOf(problems(b(SamplerKind.UNIPC).optSteps(10).optOrder(4).build()).keySet()));
    assertEquals(List.of("order"), List.copyOf(problems(b(SamplerKind.DPM_SOLVER_3M).optSteps(10).optOrder(3).build()).keySet()));
    assertEquals(List.of("s-churn", "s-tmin", "s-tmax", "s-noise"), List.copyOf(problems(b(SamplerKind.EDM_HEUN)
        .optSteps(10).optSChurn(-1.0).optSTmin(Double.NaN).optSTmax(Double.POSITIVE_INFINITY).optSNoise(0.0).build()).keySet()));
    assertTrue(problems(b(SamplerKind.EDM_HEUN).optSteps(10).optSTmin(2.0).optSTmax(1.0).build()).get("s-tmax").contains("s-tmin"));
    assertEquals(List.of("grid"), List.copyOf(problems(b(SamplerKind.EDM_HEUN).optSteps(10).optGrid(GridKind.UNIFORM).build()).keySet()));
    assertEquals(List.of("s-churn"), List.copyOf(problems(b(SamplerKind.UNIPC).optSteps(10).optSChurn(1.0).build()).keySet()));
    assertEquals(List.of("sigmas"), List.copyOf(problems(b(SamplerKind.ODE_HEUN).optSteps(10).optGrid(GridKind.LOGSNR)
        .optSigmas(SigmasKind.KARRAS).build()).keySet()));
    assertEquals(List.of("sigmas"), List.copyOf(problems(b(SamplerKind.ODE_RK45).optSigmas(SigmasKind.KARRAS).build()).keySet()));
    assertTrue(Samplers.create(b(SamplerKind.DDIM).optSteps(10).optSigmas(SigmasKind.KARRAS).build(), Oracles.CTX)
        instanceof SamplerResult.Invalid);
    // the karras grid: σ̃_i^{1/7} is linear in i between σ̃(1) and σ̃(eps)
    double[] g = ((ContinuousSampler) ok(b(SamplerKind.ODE_EULER).optSteps(8).optSigmas(SigmasKind.KARRAS).build())).grid();
    double hi = Math.pow(Oracles.SDE.sigmaTilde(1.0), 1 / 7.0);
    double lo = Math.pow(Oracles.SDE.sigmaTilde(1e-3), 1 / 7.0);
    for (int i = 0; i <= 8; i++) {
      assertEquals(hi + (lo - hi) * i / 8, Math.pow(Oracles.SDE.sigmaTilde(g[i]), 1 / 7.0), 1e-12, "karras " + i);
    }
  }

  @Test
  void processesReportStepsNfeAndPreviews() {
    float[] latent = {0.3f, -1.2f};
    Object[][] expect = { // kind, steps, total steps, NFE with denoise
      {SamplerKind.SDE_EM, 7, 7, 8}, {SamplerKind.SDE_PC, 7, 7, 15}, {SamplerKind.ODE_EULER, 7, 7, 8},
      {SamplerKind.ODE_HEUN, 7, 7, 15}, {SamplerKind.DPM_SOLVER_2M, 7, 7, 8},
      {SamplerKind.EDM_HEUN, 7, 7, 15}, {SamplerKind.DPM_SOLVER_3M, 7, 7, 8},
      {SamplerKind.SDE_DPM_SOLVER_2M, 7, 7, 8}, {SamplerKind.UNIPC, 7, 7, 8},
    };
    for (Object[] e : expect) {
      Sampler s = ok(b((SamplerKind) e[0]).optSteps((Integer) e[1]).build());
      var p = s.start(new dev.dpm.core.noise.NoiseSource(1).stream(0), latent);
      assertNull(p.denoised());
      assertEquals((Integer) e[2], p.totalSteps());
      assertEquals(1000.0, p.pending().time(), 1e-9, "starts at n = N");
      assertArrayEquals(latent, p.pending().x());
      int evals = 0;
      while (!p.isDone()) {
        var req = p.pending();
        p.accept(Oracles.GAUSSIAN_MODEL.predictEps(req.x(), new double[] {req.time()}, 1));
        evals++;
        assertEquals(2, p.denoised().length);
      }
      assertEquals((Integer) e[3], evals, e[0].toString());
      assertEquals(evals, p.nfe());
      assertEquals((Integer) e[2], p.step());
      assertArrayEquals(p.denoised(), p.sample(), "denoise: the sample is the last x̂₀");
    }
    var rk = ok(b(SamplerKind.ODE_RK45).optDenoise(false).build())
        .start(new dev.dpm.core.noise.NoiseSource(1).stream(0), latent);
    dev.dpm.core.sampler.Driver.run(List.of(rk), Oracles.GAUSSIAN_MODEL, 1, null);
    assertEquals(rk.step(), rk.totalSteps());
    assertTrue(rk.nfe() >= 2 + 6 * rk.step(), "2 to start, 6 per attempt");
  }
}
