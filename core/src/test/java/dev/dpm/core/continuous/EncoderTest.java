package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Encode → decode round trips on the oracles, with the tolerances the README documents. */
class EncoderTest {
  static Encoder encoder(SamplerSettings s) {
    Encoder.Outcome o = Encoder.create(s, Oracles.CTX);
    return assertInstanceOf(Encoder.Outcome.Ok.class, o, () -> o.toString()).encoder();
  }

  static void check(SamplerSettings s, NoisePredictor m, float[][] data, String name, double maxTol) {
    Encoder e = encoder(s);
    Encoder.RoundTrip r = e.roundTrip(m, data, 64);
    System.out.printf(Locale.ROOT, "round trip %-8s %-60s max %.1e rms %.1e (NFE %.0f + %.0f)%n", name,
        e.settings().toMap(), r.maxAbsError(), r.rmsError(), r.meanEncodeNfe(), r.meanDecodeNfe());
    assertTrue(r.maxAbsError() < maxTol, name + " " + e.settings().toMap() + ": " + r.maxAbsError());
  }

  @Test
  void odeRoundTripsOnTheOracles() {
    float[][] gauss = GaussianMixturePredictor.sampleData(Oracles.GAUSSIAN, 1, 200);
    float[][] ring = GaussianMixturePredictor.sampleData(Oracles.RING, 2, 200);
    SamplerSettings rk = SamplerSettings.builder(SamplerKind.ODE_RK45).build();
    check(rk, Oracles.GAUSSIAN_MODEL, gauss, "gaussian", 2e-4);
    check(rk, Oracles.RING_MODEL, ring, "ring", 1e-3);
    SamplerSettings dpm = SamplerSettings.builder(SamplerKind.DPM_SOLVER_2M).optSteps(100)
        .optGrid(GridKind.LOGSNR).build();
    check(dpm, Oracles.GAUSSIAN_MODEL, gauss, "gaussian", 2e-5);
    check(dpm, Oracles.RING_MODEL, ring, "ring", 1e-2);
    SamplerSettings heun = SamplerSettings.builder(SamplerKind.ODE_HEUN).optSteps(100)
        .optGrid(GridKind.QUADRATIC).build();
    check(heun, Oracles.GAUSSIAN_MODEL, gauss, "gaussian", 1e-4);
    check(heun, Oracles.RING_MODEL, ring, "ring", 2e-2);
    SamplerSettings euler = SamplerSettings.builder(SamplerKind.ODE_EULER).optSteps(500).build();
    check(euler, Oracles.GAUSSIAN_MODEL, gauss, "gaussian", 5e-2);
    // without the final denoising step the data are taken as x(eps)
    check(rk.toBuilder().optDenoise(false).build(), Oracles.RING_MODEL, ring, "ring", 1e-2);
  }

  @Test
  void ddimInversionRoundTrips() {
    float[][] gauss = GaussianMixturePredictor.sampleData(Oracles.GAUSSIAN, 1, 200);
    float[][] ring = GaussianMixturePredictor.sampleData(Oracles.RING, 2, 200);
    SamplerSettings k100 = SamplerSettings.builder(SamplerKind.DDIM).optSteps(100).build();
    SamplerSettings k1000 = SamplerSettings.builder(SamplerKind.DDIM).optSteps(1000).build();
    check(k100, Oracles.GAUSSIAN_MODEL, gauss, "gaussian", 0.2);
    check(k1000, Oracles.GAUSSIAN_MODEL, gauss, "gaussian", 2e-2);
    check(k1000, Oracles.RING_MODEL, ring, "ring", 2e-2);
    // first order: ten times the steps, about a tenth of the error
    double e100 = encoder(k100).roundTrip(Oracles.GAUSSIAN_MODEL, gauss, 64).rmsError();
    double e1000 = encoder(k1000).roundTrip(Oracles.GAUSSIAN_MODEL, gauss, 64).rmsError();
    assertEquals(10, e100 / e1000, 2, "first-order inversion");
  }

  @Test
  void theFinalDenoisingStepIsInvertedExactly() {
    // decode(encode(x)) with denoise on vs off differ by the solver error only: the fixed point
    // makes x(eps) such that x̂₀(x(eps)) = x, to 1e-6
    float[][] ring = GaussianMixturePredictor.sampleData(Oracles.RING, 3, 50);
    Encoder e = encoder(SamplerSettings.builder(SamplerKind.ODE_RK45).build());
    for (float[] x : ring) {
      var p = e.encode(x);
      // run only the fixed-point part: the first process of the chain ends at x(eps)
      InvertDenoise inv = new InvertDenoise(x, Oracles.SDE.alpha(1e-3), Oracles.SDE.sigma(1e-3), 1.0);
      while (!inv.isDone()) {
        var r = inv.pending();
        inv.accept(Oracles.RING_MODEL.predictEps(r.x(), new double[] {r.time()}, 1));
      }
      float[] xe = inv.sample();
      float[] eps = Oracles.RING_MODEL.predictEps(xe, new double[] {1.0}, 1);
      for (int j = 0; j < 2; j++) {
        double x0 = (xe[j] - Oracles.SDE.sigma(1e-3) * eps[j]) / Oracles.SDE.alpha(1e-3);
        assertEquals(x[j], x0, 2e-6);
      }
      assertTrue(inv.nfe() <= 6, "contraction ≈ 0.04: " + inv.nfe());
      assertTrue(p.pending() != null);
    }
  }

  @Test
  void stochasticSamplersCannotEncode() {
    for (SamplerSettings s : new SamplerSettings[] {
        SamplerSettings.builder(SamplerKind.SDE_EM).optSteps(10).build(),
        SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).build()}) {
      Encoder.Outcome o = Encoder.create(s, Oracles.CTX);
      assertEquals("name", assertInstanceOf(Encoder.Outcome.Invalid.class, o).problems().get(0).field());
    }
    Encoder.Outcome eta = Encoder.create(SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optEta(0.5).build(),
        Oracles.CTX);
    assertEquals("eta", assertInstanceOf(Encoder.Outcome.Invalid.class, eta).problems().get(0).field());
    Encoder.Outcome steps = Encoder.create(SamplerSettings.builder(SamplerKind.ODE_RK45).optSteps(10).build(),
        Oracles.CTX);
    assertEquals("steps", assertInstanceOf(Encoder.Outcome.Invalid.class, steps).problems().get(0).field());
  }
}
