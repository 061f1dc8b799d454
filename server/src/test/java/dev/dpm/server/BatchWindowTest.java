package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The batching window: jobs that arrive one after another at an idle engine start in step (their
 * first evaluation holds all of them); without the window the first job starts alone.
 */
class BatchWindowTest {
  /** Records the rows of every evaluation. */
  static final class Recording implements NoisePredictor {
    final Toys.ToyPredictor inner = new Toys.ToyPredictor(2);
    final List<Integer> batches = new CopyOnWriteArrayList<>();

    @Override
    public float[] predictEps(float[] x, double[] time, int batch) {
      batches.add(batch);
      try {
        Thread.sleep(5); // a network evaluation takes time
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return inner.predictEps(x, time, batch);
    }

    @Override
    public int dimension() {
      return 2;
    }

    @Override
    public void close() {}
  }

  private static List<Integer> run(long windowMs, long gapMs) throws Exception {
    Recording p = new Recording();
    NativeMemoryTest.Outcomes out = new NativeMemoryTest.Outcomes();
    BatchEngine engine = new BatchEngine("toy", p, 64, 500, out, new SimpleMeterRegistry(), 0, 0);
    engine.batchWindow(windowMs, gapMs);
    engine.start(false);
    try {
      var sampler = ((dev.dpm.core.sampler.SamplerResult.Ok) Toys.FACTORY.create(
          dev.dpm.core.sampler.SamplerSettings.builder(dev.dpm.core.sampler.SamplerKind.DDIM).optSteps(10).build(),
          new dev.dpm.core.sampler.ModelContext(dev.dpm.core.schedule.NoiseSchedule.linear(1000), 2,
              dev.dpm.core.model.DataRange.UNBOUNDED, false, null))).sampler();
      for (int i = 0; i < 8; i++) { // a burst: one job every 5 ms
        SamplingProcess proc = sampler.start(new NoiseSource(i).stream(0));
        engine.submit(new EngineJob("j" + i, List.of(proc), 0, 0, null));
        Thread.sleep(5);
      }
      for (int i = 0; i < 8; i++) {
        out.of("j" + i).get(30, TimeUnit.SECONDS);
      }
      return p.batches;
    } finally {
      engine.stop();
    }
  }

  @Test
  void burstAtAnIdleEngineStartsInStep() throws Exception {
    List<Integer> with = run(500, 100);
    assertEquals(8, with.get(0), "first evaluation holds the whole burst: " + with);
    assertEquals(10, with.size(), "8 jobs of 10 steps in 10 evaluations: " + with);
    List<Integer> without = run(0, 0);
    assertTrue(without.get(0) < 8, "without a window the first jobs start before the burst is in: " + without);
    assertTrue(without.size() > 10, "and the burst needs more evaluations: " + without);
  }
}
