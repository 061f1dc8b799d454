package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine holds a job to the evaluations per sample it was admitted with ({@link EngineJob#nfeLimit}, set for
 * {@code ode-rk45}, whose cost is a bound from its tolerances): a sample that has used them all and is not done fails
 * the job with {@code nfe-limit-exceeded}; a job that needs exactly its limit succeeds.
 */
class NfeLimitTest {
  private static List<SamplingProcess> processes(int n, int steps) {
    Sampler s = ((SamplerResult.Ok) Toys.FACTORY.create(SamplerSettings.builder(SamplerKind.DDIM).optSteps(steps).build(),
        new dev.dpm.core.sampler.ModelContext(dev.dpm.core.schedule.NoiseSchedule.linear(1000), 2,
            dev.dpm.core.model.DataRange.UNBOUNDED, false, null))).sampler();
    List<SamplingProcess> ps = new ArrayList<>();
    NoiseSource noise = new NoiseSource(3);
    for (int i = 0; i < n; i++) {
      ps.add(s.start(noise.stream(i)));
    }
    return ps;
  }

  @Test
  void aJobOverItsAdmittedEvaluationsFailsWithItsCode() throws Exception {
    Toys.ToyPredictor net = new Toys.ToyPredictor(2);
    NativeMemoryTest.Outcomes out = new NativeMemoryTest.Outcomes();
    BatchEngine engine = new BatchEngine("toy", net, 64, 500, out, new SimpleMeterRegistry(), 0, 0);
    engine.start(false);
    try {
      List<SamplingProcess> over = processes(3, 20);
      engine.submit(new EngineJob("over", over, 0, 0, null).nfeLimit(12));
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> out.of("over").get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().startsWith("nfe-limit-exceeded: sample 0 needs more than the 12"),
          e.getCause().getMessage());
      for (SamplingProcess p : over) {
        assertEquals(12, p.nfe(), "stopped at its limit, not one evaluation later");
      }
      engine.submit(new EngineJob("exact", processes(3, 20), 0, 0, null).nfeLimit(20));
      assertEquals(3, out.of("exact").get(30, TimeUnit.SECONDS).length, "exactly its limit is within it");
      engine.submit(new EngineJob("free", processes(3, 20), 0, 0, null));
      assertEquals(3, out.of("free").get(30, TimeUnit.SECONDS).length, "no limit by default");
    } finally {
      engine.stop();
    }
  }
}
