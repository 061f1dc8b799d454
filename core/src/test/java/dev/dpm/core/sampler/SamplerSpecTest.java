package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import dev.dpm.core.sampler.SamplerSettings.VarianceKind;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Each family's record refuses, in its constructor, what it should, naming the field. */
class SamplerSpecTest {

  private static List<String> fields(Supplier<SamplerSpec> make) {
    InvalidSpecException e = assertThrows(InvalidSpecException.class, make::get);
    return e.problems().stream().map(Problem::field).toList();
  }

  @Test
  void discreteRefusesBadStepsEtaClipAndTimesteps() {
    assertEquals(List.of("steps"), fields(() -> new DiscreteSpec(SamplerKind.DDPM, 1, null, null, null, null, 0, null, null)));
    assertEquals(List.of("eta"), fields(() -> new DiscreteSpec(SamplerKind.DDIM, 10, null, null, -0.1, null, 0, null, null)));
    assertEquals(List.of("eta"), fields(() -> new DiscreteSpec(SamplerKind.DDPM, 10, null, null, 0.5, null, 0, null, null)));
    assertEquals(List.of("variance"),
        fields(() -> new DiscreteSpec(SamplerKind.DDIM, 10, null, null, null, VarianceKind.FORWARD, 0, null, null)));
    assertEquals(List.of("clip-sigma2"), fields(() -> new DiscreteSpec(SamplerKind.DDPM, 10, null, null, null, null, 3, null, null)));
    assertEquals(List.of("timesteps"), fields(() ->
        new DiscreteSpec(SamplerKind.DDPM, 3, TrajectoryKind.EVEN, new int[] {1, 2, 3}, null, null, 0, null, null)));
    assertEquals(List.of("timesteps"), fields(() ->
        new DiscreteSpec(SamplerKind.DDPM, 3, TrajectoryKind.EXPLICIT, null, null, null, 0, null, null)));
    assertEquals(List.of("steps"), fields(() ->
        new DiscreteSpec(SamplerKind.DDPM, 4, null, new int[] {1, 2, 3}, null, null, 0, null, null)));
    assertEquals(List.of("guidance"), fields(() -> new DiscreteSpec(SamplerKind.DDPM, 10, null, null, null, null, 0, -1.0, null)));
    assertEquals(List.of("name"), fields(() -> new DiscreteSpec(SamplerKind.ODE_EULER, 10, null, null, null, null, 0, null, null)));
    // every problem at once
    assertEquals(List.of("eta", "clip-sigma2", "steps"),
        fields(() -> new DiscreteSpec(SamplerKind.DDIM, 0, null, null, Double.NaN, null, -1, null, null)));
  }

  @Test
  void clippedEpsAppliesToTheDdimTypesAndIsOnByDefaultAboveGuidanceOne() {
    assertEquals(List.of("clipped-eps"),
        fields(() -> new DiscreteSpec(SamplerKind.ANALYTIC_DDPM, 10, null, null, null, null, 0, 3.0, true)));
    assertNull(new DiscreteSpec(SamplerKind.DDIM, 10, null, null, null, null, 0, null, null).clippedEps());
    assertNull(new DiscreteSpec(SamplerKind.DDIM, 10, null, null, null, null, 0, 1.0, null).clippedEps());
    assertEquals(Boolean.TRUE, new DiscreteSpec(SamplerKind.ANALYTIC_DDIM, 10, null, null, null, null, 0, 1.5, null)
        .clippedEps());
    assertEquals(Boolean.FALSE, new DiscreteSpec(SamplerKind.DDIM, 10, null, null, null, null, 0, 3.0, false)
        .clippedEps());
    assertEquals(Boolean.TRUE, new DiscreteSpec(SamplerKind.DDIM, 10, null, null, null, null, 0, null, true)
        .clippedEps());
    assertNull(new DiscreteSpec(SamplerKind.DDPM, 10, null, null, null, null, 0, 3.0, null).clippedEps());
    assertEquals(true, new DiscreteSpec(SamplerKind.DDIM, 10, null, null, null, null, 0, 3.0, null).settings().toMap()
        .get("clipped-eps"));
  }

  @Test
  void discreteFillsWhatAppliesAndCopiesTheTimesteps() {
    int[] ts = {1, 500, 1000};
    DiscreteSpec d = new DiscreteSpec(SamplerKind.DDIM, 3, null, ts, null, null, 1, null, null);
    ts[0] = 7;
    assertEquals(TrajectoryKind.EXPLICIT, d.trajectory());
    assertEquals(0.0, d.eta());
    assertNull(d.variance());
    assertEquals(1, d.timesteps()[0]);
    assertEquals(VarianceKind.POSTERIOR, new DiscreteSpec(SamplerKind.DDPM, 5, null, null, null, null, 0, null, null).variance());
    assertEquals(new DiscreteSpec(SamplerKind.DDIM, 3, null, new int[] {1, 500, 1000}, null, null, 1, null, null), d);
    assertEquals(List.of("name", "steps", "trajectory", "timesteps", "eta", "clip-sigma2"),
        List.copyOf(d.settings().toMap().keySet()));
  }

  @Test
  void predictorCorrectorRefusesBadCorrectorAndBothGrids() {
    assertEquals(List.of("snr"), fields(() ->
        new PredictorCorrectorSpec(10, 1e-3, GridKind.UNIFORM, null, true, 0.0, 1, PredictorKind.REVERSE_DIFFUSION, null)));
    assertEquals(List.of("corrector-steps"), fields(() ->
        new PredictorCorrectorSpec(10, 1e-3, GridKind.UNIFORM, null, true, 0.16, 0, PredictorKind.REVERSE_DIFFUSION, null)));
    assertEquals(List.of("sigmas"), fields(() -> new PredictorCorrectorSpec(10, 1e-3, GridKind.UNIFORM,
        SigmasKind.KARRAS, true, 0.16, 1, PredictorKind.REVERSE_DIFFUSION, null)));
    assertEquals(List.of("steps", "eps"), fields(() ->
        new PredictorCorrectorSpec(0, 0.5, GridKind.UNIFORM, null, true, 0.16, 1, PredictorKind.EULER_MARUYAMA, null)));
    assertEquals(List.of("predictor"),
        fields(() -> new PredictorCorrectorSpec(10, 1e-3, GridKind.UNIFORM, null, true, 0.16, 1, null, null)));
  }

  @Test
  void fixedStepRefusesWhatIsNotItsKindsAndBadChurn() {
    assertEquals(List.of("order"), fields(() -> fixed(SamplerKind.UNIPC, GridKind.UNIFORM, null, 4, null, null, null)));
    assertEquals(List.of("order"), fields(() -> fixed(SamplerKind.ODE_HEUN, GridKind.UNIFORM, null, 2, null, null, null)));
    assertEquals(List.of("s-churn"), fields(() -> fixed(SamplerKind.ODE_EULER, GridKind.UNIFORM, null, null, 0.5, null, null)));
    assertEquals(List.of("grid"), fields(() -> fixed(SamplerKind.EDM_HEUN, GridKind.UNIFORM, SigmasKind.KARRAS, null, 0.0, 0.0, 1.0)));
    assertEquals(List.of("s-churn", "s-noise"),
        fields(() -> fixed(SamplerKind.EDM_HEUN, null, SigmasKind.KARRAS, null, -1.0, 0.0, 0.0)));
    assertEquals(List.of("s-tmax"), fields(() -> new FixedStepSpec(SamplerKind.EDM_HEUN, 10, 1e-3, null,
        SigmasKind.KARRAS, true, null, 0.0, 2.0, 1.0, 1.0, null)));
    assertEquals(List.of("name"), fields(() -> fixed(SamplerKind.SDE_PC, GridKind.UNIFORM, null, null, null, null, null)));
    assertEquals(List.of("name"), fields(() -> fixed(SamplerKind.ODE_RK45, GridKind.UNIFORM, null, null, null, null, null)));
    assertEquals(List.of("steps"), fields(() -> new FixedStepSpec(SamplerKind.ODE_EULER, SamplerSpec.MAX_CONTINUOUS_STEPS + 1,
        1e-3, GridKind.UNIFORM, null, true, null, null, null, null, null, null)));
  }

  private static FixedStepSpec fixed(SamplerKind kind, GridKind grid, SigmasKind sigmas, Integer order, Double churn,
      Double tmin, Double noise) {
    return new FixedStepSpec(kind, 10, 1e-3, grid, sigmas, true, order, churn, tmin, null, noise, null);
  }

  @Test
  void adaptiveRefusesBadTolerancesAndEps() {
    assertEquals(List.of("rtol"), fields(() -> new AdaptiveSpec(1e-3, true, 1e-14, 1e-5, null)));
    assertEquals(List.of("atol"), fields(() -> new AdaptiveSpec(1e-3, true, 1e-5, Double.NaN, null)));
    assertEquals(List.of("eps", "rtol"), fields(() -> new AdaptiveSpec(0.0, true, -1, 1e-5, null)));
    assertEquals(List.of("guidance"), fields(() -> new AdaptiveSpec(1e-3, true, 1e-5, 1e-5, Double.POSITIVE_INFINITY)));
    assertEquals(SamplerKind.ODE_RK45, new AdaptiveSpec(1e-3, false, 1e-5, 1e-5, null).kind());
  }

  /** The family's parameters are exactly those the factories accept for some sampler of it. */
  @Test
  void everyFamilyRefusesTheOthersParametersByName() {
    for (SamplerKind kind : SamplerKind.values()) {
      SamplerSpec.Family f = SamplerSpec.Family.of(kind);
      for (SamplerParam p : EnumSet.complementOf(EnumSet.copyOf(f.params()))) {
        SamplerSettings.Builder b = SamplerSettings.builder(kind);
        Object probe = p == SamplerParam.TIMESTEPS ? new int[] {1, 2} : p.probe();
        p.set(b, p.decode(probe));
        List<Problem> out = new ArrayList<>();
        f.notApplicable(b.build(), out);
        assertEquals(List.of(p.wire()), out.stream().map(Problem::field).toList(), kind.wire() + " " + p.wire());
        assertTrue(out.get(0).message().contains(kind.wire()), out.toString());
      }
    }
  }

  @Test
  void theTableDecodesWireValuesAndRefusesWrongOnes() {
    assertEquals(3, SamplerParam.STEPS.decode(3.0));
    assertThrows(IllegalArgumentException.class, () -> SamplerParam.STEPS.decode(2.5));
    assertThrows(ClassCastException.class, () -> SamplerParam.ETA.decode("0.5"));
    assertEquals(TrajectoryKind.LEADING, SamplerParam.TRAJECTORY.decode("leading"));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> SamplerParam.GRID.decode("cubic"));
    assertEquals("'cubic' is not one of uniform, logsnr, quadratic", bad.getMessage());
    assertEquals(List.of(1, 5), java.util.Arrays.stream((int[]) SamplerParam.TIMESTEPS.decode(List.of(1, 5))).boxed().toList());
    assertEquals("reverse-diffusion", SamplerParam.PREDICTOR.encode(PredictorKind.REVERSE_DIFFUSION));
    assertEquals(SamplerParam.S_TMAX, SamplerParam.byWire("s-tmax"));
    assertNull(SamplerParam.byWire("sTmax"));
    assertEquals(0.16, (double) SamplerParam.SNR.or(null));
    assertEquals(0.3, (double) SamplerParam.SNR.or(0.3));
  }
}
