package dev.dpm.core.continuous;

import dev.dpm.testkit.Runs;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.runtime.model.TorchScriptPredictor;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.schedule.NoiseSchedule;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The continuous samplers, encoder and likelihood with a real TorchScript network in the loop (the
 * untrained fixtures of training/fixtures/make_fixtures.py).
 */
class TorchScriptFixtureTest {
  static Path fixture(String name) throws Exception {
    return Path.of(TorchScriptFixtureTest.class.getResource("/fixtures/" + name).toURI());
  }

  @Test
  void encodeDecodeAndDdimAgreementOnTheMlp() throws Exception {
    ModelSpec spec = ModelSpec.read(fixture("tiny-mlp-2d"));
    NoiseSchedule sched = spec.schedule().build(spec.dir());
    ModelContext ctx = new ModelContext(sched, 2, DataRange.UNBOUNDED, false, null);
    try (TorchScriptPredictor net = TorchScriptPredictor.open(spec, sched, null)) {
      float[][] data = Runs.gaussians(4, 8, 2);
      long t0 = System.nanoTime();
      // the untrained network's ε varies fast in n (sinusoidal time embedding), so RK45 needs
      // about 1000 NFE per direction at 1e-5 (round trip 6e-3) and 3300 at 1e-7 (2e-5)
      for (SamplerSettings s : new SamplerSettings[] {
          SamplerSettings.builder(SamplerKind.ODE_RK45).optRtol(1e-6).optAtol(1e-6).build()}) {
        Encoder e = assertInstanceOf(Encoder.Outcome.Ok.class, Encoder.create(s, ctx)).encoder();
        Encoder.RoundTrip r = e.roundTrip(net, data, 8);
        System.out.printf(Locale.ROOT, "tiny-mlp-2d round trip %s: max %.1e rms %.1e (NFE %.0f + %.0f)%n",
            e.settings().toMap(), r.maxAbsError(), r.rmsError(), r.meanEncodeNfe(), r.meanDecodeNfe());
        assertTrue(r.maxAbsError() < 1e-3, "round trip " + r.maxAbsError());
      }
      // DDIM is the Euler step of the probability-flow ODE: the uniform grid with K = 111 visits
      // n = 1000, 991, …, 10 and denoises at n = 1, DDIM's trajectory 1, 10, …, 1000 (K = 112)
      Sampler euler = ((SamplerResult.Ok) Samplers.create(
          SamplerSettings.builder(SamplerKind.ODE_EULER).optSteps(111).build(), ctx)).sampler();
      int[] tau = new int[112];
      for (int k = 0; k < 112; k++) {
        tau[k] = 1 + 9 * k;
      }
      Sampler ddim = ((SamplerResult.Ok) Samplers.create(
          SamplerSettings.builder(SamplerKind.DDIM).optTimesteps(tau).build(), ctx)).sampler();
      float[][] a = Driver.sample(euler, net, 3, 16, 16, null);
      float[][] b = Driver.sample(ddim, net, 3, 16, 16, null);
      double worst = 0;
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < 2; j++) {
          worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
        }
      }
      System.out.printf(Locale.ROOT, "tiny-mlp-2d: ode-euler K=111 vs ddim on n = 1, 10, ..., 1000: max |diff| %.1e (%.1f s in all)%n",
          worst, (System.nanoTime() - t0) / 1e9);
      assertTrue(worst < 1e-3, "euler vs ddim (DDIM keeps x in float32; this ODE amplifies) " + worst);
    }
  }

  @Test
  void likelihoodRunsThroughTheNetwork() throws Exception {
    ModelSpec spec = ModelSpec.read(fixture("tiny-mlp-2d"));
    NoiseSchedule sched = spec.schedule().build(spec.dir());
    ModelContext ctx = new ModelContext(sched, 2, DataRange.UNBOUNDED, false, null);
    try (TorchScriptPredictor net = TorchScriptPredictor.open(spec, sched, null)) {
      float[][] data = Runs.gaussians(5, 4, 2);
      long t0 = System.nanoTime();
      OdeLikelihood.Summary exact = OdeLikelihood.create(
          OdeLikelihood.Settings.defaults().withTolerances(1e-4, 1e-4), ctx).evaluate(net, data, 1, 4);
      OdeLikelihood.Summary hutch = OdeLikelihood.create(
          OdeLikelihood.Settings.defaults().withTolerances(1e-4, 1e-4).withProbes(4), ctx).evaluate(net, data, 1, 4);
      System.out.printf(Locale.ROOT, "tiny-mlp-2d ODE likelihood: exact trace %.4f nats/dim (NFE %.0f), 4 probes %.4f (NFE %.0f), %.1f s%n",
          exact.natsPerDim(), exact.meanNfe(), hutch.natsPerDim(), hutch.meanNfe(), (System.nanoTime() - t0) / 1e9);
      assertTrue(Double.isFinite(exact.natsPerDim()));
      // the untrained network's ε is small: the density is nearly the prior pushed through x ↦ x·α(eps)/α(1)
      assertTrue(Math.abs(exact.natsPerDim() - hutch.natsPerDim()) < 0.5, "probes vs exact trace");
    }
  }
}
