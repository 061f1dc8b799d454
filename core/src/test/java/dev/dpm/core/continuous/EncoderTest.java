package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class EncoderTest {
  static Encoder encoder(SamplerSettings s) {
    Encoder.Outcome o = Encoder.create(s, Oracles.CTX);
    if (o instanceof Encoder.Outcome.Ok ok) {
      return ok.encoder();
    }
    throw new AssertionError(((Encoder.Outcome.Invalid) o).problems());
  }

  @Test
  void roundTrips() {
    float[][] gauss = GaussianMixturePredictor.sampleData(Oracles.GAUSSIAN, 1, 200);
    float[][] ring = GaussianMixturePredictor.sampleData(Oracles.RING, 2, 200);
    SamplerSettings[] cfg = {
      SamplerSettings.builder(SamplerKind.ODE_RK45).build(),
      SamplerSettings.builder(SamplerKind.ODE_RK45).optDenoise(false).build(),
      SamplerSettings.builder(SamplerKind.ODE_HEUN).optSteps(100).build(),
      SamplerSettings.builder(SamplerKind.DPM_SOLVER_2M).optSteps(100).optGrid(SamplerSettings.GridKind.LOGSNR).build(),
      SamplerSettings.builder(SamplerKind.ODE_EULER).optSteps(500).build(),
      SamplerSettings.builder(SamplerKind.DDIM).optSteps(100).build(),
      SamplerSettings.builder(SamplerKind.DDIM).optSteps(1000).build(),
    };
    for (SamplerSettings s : cfg) {
      Encoder e = encoder(s);
      Encoder.RoundTrip g = e.roundTrip(Oracles.GAUSSIAN_MODEL, gauss, 64);
      Encoder.RoundTrip r = e.roundTrip(Oracles.RING_MODEL, ring, 64);
      System.out.printf(Locale.ROOT, "%s: gaussian max %.2e rms %.2e (NFE %.0f/%.0f); ring max %.2e rms %.2e (NFE %.0f/%.0f)%n",
          e.settings().toMap(), g.maxAbsError(), g.rmsError(), g.meanEncodeNfe(), g.meanDecodeNfe(),
          r.maxAbsError(), r.rmsError(), r.meanEncodeNfe(), r.meanDecodeNfe());
    }
  }
}
