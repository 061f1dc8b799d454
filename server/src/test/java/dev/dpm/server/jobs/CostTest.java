package dev.dpm.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.server.Toys;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Admission's cost is the real number of network evaluations: for every sampler without Γ, the evaluations a sample
 * really makes (counted through the core's driver) equal {@link Cost#evaluationsPerSample}, corrector steps and Heun's
 * second evaluation included; for the adaptive rk45 the charged bound is at least what it used.
 */
class CostTest {
  private static final ModelContext CTX = new ModelContext(NoiseSchedule.linear(1000), 2, DataRange.UNBOUNDED, false, null);

  private static int measured(Sampler s) {
    AtomicInteger evals = new AtomicInteger();
    Driver.sample(s, new Toys.ToyPredictor(2), 7, 1, 1, rows -> evals.incrementAndGet());
    return evals.get();
  }

  private static Sampler create(SamplerSettings settings) {
    SamplerResult r = Samplers.create(settings, CTX);
    assertTrue(r instanceof SamplerResult.Ok, settings + ": " + r);
    return ((SamplerResult.Ok) r).sampler();
  }

  @Test
  void fixedStepSamplersAreChargedTheirExactEvaluations() {
    int checked = 0;
    for (SamplerKind k : SamplerKind.values()) {
      if (k.needsGamma() || k == SamplerKind.ODE_RK45) {
        continue;
      }
      SamplerSettings.Builder b = SamplerSettings.builder(k).optSteps(12);
      if (k == SamplerKind.SDE_PC) {
        b.optCorrectorSteps(3);
      }
      SamplerResult r = Samplers.create(b.build(), CTX);
      if (!(r instanceof SamplerResult.Ok ok)) {
        continue; // needs what this plain ε context lacks (a second head)
      }
      Sampler s = ok.sampler();
      assertEquals(measured(s), Cost.evaluationsPerSample(s.settings()), k.wire());
      checked++;
    }
    assertTrue(checked >= 10, "checked " + checked + " samplers");
  }

  @Test
  void correctorAndHeunStepsCount() {
    Sampler pc = create(SamplerSettings.builder(SamplerKind.SDE_PC).optSteps(10).optCorrectorSteps(4).build());
    Sampler em = create(SamplerSettings.builder(SamplerKind.SDE_EM).optSteps(10).build());
    Sampler heun = create(SamplerSettings.builder(SamplerKind.ODE_HEUN).optSteps(10).build());
    assertTrue(Cost.evaluationsPerSample(pc.settings()) >= 5 * 10, "predictor + 4 corrector evaluations a step");
    assertTrue(Cost.evaluationsPerSample(heun.settings()) >= 2 * Cost.evaluationsPerSample(em.settings()) - 1);
    assertEquals(4096L * Cost.evaluationsPerSample(pc.settings()), Cost.work(4096, pc.settings()));
  }

  @Test
  void rk45IsChargedAtLeastWhatItUses() {
    for (double tol : new double[] {1e-3, 1e-5, 1e-7}) {
      Sampler s = create(SamplerSettings.builder(SamplerKind.ODE_RK45).optRtol(tol).optAtol(tol).build());
      int used = measured(s);
      long charged = Cost.evaluationsPerSample(s.settings());
      assertTrue(charged >= used, "tol " + tol + ": charged " + charged + ", used " + used);
    }
    assertTrue(Cost.rk45Bound(1e-9, 1e-9) > Cost.rk45Bound(1e-5, 1e-5), "tighter tolerances cost more");
  }
}
