package dev.dpm.core.sampler;

import dev.dpm.core.catalog.Samplers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.SamplerSettings.VarianceKind;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Validation and defaults of {@link Samplers#create} for the discrete kinds. */
class SamplersTest {
  private static final ModelContext NO_GAMMA =
      new ModelContext(Oracles.LINEAR, 2, DataRange.UNBOUNDED, false, null);

  private static Map<String, String> problems(SamplerSettings s, ModelContext ctx) {
    SamplerResult r = Samplers.create(s, ctx);
    SamplerResult.Invalid inv = assertInstanceOf(SamplerResult.Invalid.class, r);
    return inv.problems().stream().collect(Collectors.toMap(Problem::field, Problem::message, (a, b) -> a + "; " + b));
  }

  @Test
  void settingsAreValuesWithCopiedTimesteps() {
    int[] ts = {1, 500, 1000};
    SamplerSettings a = SamplerSettings.builder(SamplerKind.DDIM).optTimesteps(ts).build();
    SamplerSettings b = SamplerSettings.builder(SamplerKind.DDIM).optTimesteps(new int[] {1, 500, 1000}).build();
    org.junit.jupiter.api.Assertions.assertEquals(a, b);
    org.junit.jupiter.api.Assertions.assertEquals(a.hashCode(), b.hashCode());
    ts[1] = 7;
    a.timesteps()[2] = 9;
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 500, 1000}, a.timesteps());
    org.junit.jupiter.api.Assertions.assertNotEquals(a,
        SamplerSettings.builder(SamplerKind.DDIM).optTimesteps(new int[] {1, 501, 1000}).build());
  }

  @Test
  void defaultsAreFilled() {
    Sampler ddpm = Oracles.create(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).build(), NO_GAMMA);
    assertInstanceOf(Ddpm.class, ddpm);
    SamplerSettings f = ddpm.settings();
    assertEquals(TrajectoryKind.EVEN, f.trajectory());
    assertEquals(VarianceKind.POSTERIOR, f.variance());
    assertEquals(0, f.clipSigma2());
    assertNull(f.eta());
    assertEquals(Map.of("name", "ddpm", "steps", 10, "trajectory", "even", "variance", "posterior",
        "clip-sigma2", 0), f.toMap());
    SamplerSettings d = Oracles.create(SamplerSettings.builder(SamplerKind.DDIM).optSteps(5).build(), NO_GAMMA)
        .settings();
    assertEquals(0.0, d.eta());
    assertNull(d.variance());
    assertInstanceOf(AnalyticDdim.class, Oracles.create(
        SamplerSettings.builder(SamplerKind.ANALYTIC_DDIM).optSteps(5).build(), Oracles.gaussianContext()));
    assertInstanceOf(AnalyticDdpm.class, Oracles.create(
        SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(5).build(), Oracles.gaussianContext()));
    ModelContext images = new ModelContext(Oracles.LINEAR, 2, DataRange.SYMMETRIC_UNIT, true, null);
    assertEquals(1, Oracles.create(SamplerSettings.builder(SamplerKind.DDIM).optSteps(5).build(), images)
        .settings().clipSigma2());
  }

  @Test
  void trajectoriesAreChosen() {
    DiscreteSampler q = (DiscreteSampler) Oracles.create(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10)
        .optTrajectory(TrajectoryKind.QUADRATIC).build(), NO_GAMMA);
    assertEquals(Trajectory.quadratic(1000, 10), q.trajectory());
    DiscreteSampler e = (DiscreteSampler) Oracles.create(SamplerSettings.builder(SamplerKind.DDPM)
        .optTimesteps(new int[] {1, 10, 100}).build(), NO_GAMMA);
    assertEquals(TrajectoryKind.EXPLICIT, e.settings().trajectory());
    assertEquals(3, e.settings().steps());
    DiscreteSampler o = (DiscreteSampler) Oracles.create(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM)
        .optSteps(10).optTrajectory(TrajectoryKind.OPTIMAL).build(), Oracles.gaussianContext());
    assertEquals(Trajectory.optimal(Oracles.LINEAR, Oracles.GAMMA_GAUSSIAN, 10), o.trajectory());
  }

  @Test
  void everyProblemIsReportedWithItsField() {
    Map<String, String> p = problems(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM)
        .optEta(0.5).optVariance(VarianceKind.FORWARD).optClipSigma2(3).optSnr(0.16).optRtol(1e-3)
        .optTrajectory(TrajectoryKind.OPTIMAL).build(), NO_GAMMA);
    assertTrue(p.get("name").contains("./dpm calibrate"), p.toString());
    assertTrue(p.get("eta").contains("ddim"), p.toString());
    assertTrue(p.get("variance").contains("ddpm"), p.toString());
    assertTrue(p.get("clip-sigma2").contains("0"), p.toString());
    assertTrue(p.get("snr").contains("does not apply"), p.toString());
    assertTrue(p.get("rtol").contains("does not apply"), p.toString());
    assertTrue(p.get("steps").contains("required"), p.toString());
    assertEquals(7, p.size(), p.toString());
  }

  @Test
  void rangesAreChecked() {
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optSteps(1).build(), NO_GAMMA)
        .get("steps").contains("between 2 and N = 1000"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optSteps(1001).build(), NO_GAMMA)
        .containsKey("steps"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optEta(-0.1).build(), NO_GAMMA)
        .get("eta").contains(">= 0"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optEta(Double.NaN).build(), NO_GAMMA)
        .containsKey("eta"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optEta(1.01).build(), NO_GAMMA)
        .get("eta").contains("at most"));
    assertInstanceOf(SamplerResult.Ok.class,
        Samplers.create(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optEta(1.0003).build(), NO_GAMMA)); // max ≈ 1.00035 here
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10)
        .optTrajectory(TrajectoryKind.OPTIMAL).build(), NO_GAMMA).get("trajectory").contains("calibrate"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10)
        .optTrajectory(TrajectoryKind.EXPLICIT).build(), NO_GAMMA).containsKey("timesteps"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optTimesteps(new int[] {5, 3}).build(), NO_GAMMA)
        .get("timesteps").contains("ascending"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optSteps(4).optTimesteps(new int[] {1, 3})
        .build(), NO_GAMMA).containsKey("steps"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).optTrajectory(TrajectoryKind.EVEN)
        .optTimesteps(new int[] {1, 3}).build(), NO_GAMMA).containsKey("timesteps"));
    assertTrue(problems(SamplerSettings.builder(SamplerKind.DDPM).optSteps(50)
        .optTrajectory(TrajectoryKind.QUADRATIC).build(), NO_GAMMA).get("steps").contains("repeats"));
  }

  /**
   * A Γ estimate that crosses 1 early (as Monte Carlo noise does in 2-D: the ring's M = 2000
   * estimate first exceeds 1 at n = 465) leaves the code's bad-tail heuristic no room.
   */
  @Test
  void optimalTrajectoryWithAnEarlyBadTailIsAProblem() {
    double[] g = Oracles.GAMMA_GAUSSIAN.clone();
    for (int n = 465; n <= 1000; n++) {
      g[n] = 1.0004;
    }
    ModelContext ctx = new ModelContext(Oracles.LINEAR, 2, DataRange.UNBOUNDED, false, g);
    Map<String, String> p = problems(SamplerSettings.builder(SamplerKind.ANALYTIC_DDPM).optSteps(10)
        .optTrajectory(TrajectoryKind.OPTIMAL).build(), ctx);
    assertTrue(p.get("trajectory").contains("n=465"), p.toString());
  }

  @Test
  void continuousKindsAreDelegatedToTheirFactory() {
    // rk45 is adaptive: a step count is a problem raised by ContinuousSamplers, not by the discrete rules
    Map<String, String> p = problems(SamplerSettings.builder(SamplerKind.ODE_RK45).optSteps(10).build(), NO_GAMMA);
    assertTrue(p.containsKey("steps"), p.toString());
  }
}
