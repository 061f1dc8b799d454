package dev.dpm.bench.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.BatchingMode;
import dev.dpm.server.engine.EngineJob;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine's scheduling on the simulated accelerator: priority rows first at every step
 * boundary, no starvation (in packing and in admission under the cap on rows in flight),
 * request-level cohorts, and samples bit-identical to lone runs whatever the schedule.
 */
class EngineSchedulingTest {
  private static final int D = 16;
  private final BenchSamplers samplers = new BenchSamplers(D);
  private final SimulatedAccelerator acc = new SimulatedAccelerator(samplers.schedule(), D, 0.25, 200, 1, 256);
  /** evaluation index → job id → rows of that job in it. */
  private final Map<Long, Map<String, Integer>> rows = new ConcurrentHashMap<>();
  /** Threads that handed some row its ε. */
  private final java.util.Set<String> acceptThreads = ConcurrentHashMap.newKeySet();

  /** A process that notes, on each ε it takes, which job it belongs to and in which evaluation. */
  private final class Noting implements SamplingProcess {
    final SamplingProcess inner;
    final String job;

    Noting(SamplingProcess inner, String job) {
      this.inner = inner;
      this.job = job;
    }

    @Override
    public EvalRequest pending() {
      return inner.pending();
    }

    @Override
    public void accept(float[] eps) {
      rows.computeIfAbsent(acc.evaluations(), k -> new ConcurrentHashMap<>()).merge(job, 1, Integer::sum);
      acceptThreads.add(Thread.currentThread().getName());
      inner.accept(eps);
    }

    @Override
    public boolean isDone() {
      return inner.isDone();
    }

    @Override
    public float[] sample() {
      return inner.sample();
    }

    @Override
    public int step() {
      return inner.step();
    }

    @Override
    public int totalSteps() {
      return inner.totalSteps();
    }

    @Override
    public int nfe() {
      return inner.nfe();
    }

    @Override
    public float[] denoised() {
      return inner.denoised();
    }
  }

  private EngineJob job(String id, SamplerKind kind, int steps, int n, int priority, long seed) {
    Sampler s = samplers.get(kind, steps);
    NoiseSource noise = new NoiseSource(seed);
    List<SamplingProcess> ps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ps.add(new Noting(s.start(noise.stream(i)), id));
    }
    return new EngineJob(id, ps, 0, 0, priority, BenchSamplers.key(kind, steps), null);
  }

  /** The same job run alone through the bare oracle. */
  private float[][] lone(SamplerKind kind, int steps, int n, long seed) {
    Sampler s = samplers.get(kind, steps);
    NoiseSource noise = new NoiseSource(seed);
    List<SamplingProcess> ps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ps.add(s.start(noise.stream(i)));
    }
    Driver.run(ps, new SimulatedAccelerator(samplers.schedule(), D, 0.25, 0, 0, 1 << 20), 1 << 20, null);
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = ps.get(i).sample();
    }
    return out;
  }

  private BatchEngine engine(int maxBatch, BatchingMode mode, int cap, Completions done) {
    BatchEngine e = new BatchEngine("t", acc, maxBatch, 500, done, new SimpleMeterRegistry(), 1000, 1000);
    e.scheduling(mode, cap);
    e.batchWindow(200, 200); // jobs submitted together start together
    return e;
  }

  private void awaitEvaluations(int n) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (rows.size() < n && System.nanoTime() < until) {
      Thread.sleep(1);
    }
  }

  @Test
  void priorityRowsGoFirstAtEveryStepAndTheRestIsNotStarved() throws Exception {
    Completions done = new Completions();
    BatchEngine e = engine(8, BatchingMode.STEP, 0, done);
    e.start(false);
    try {
      e.submit(job("low", SamplerKind.DDPM, 200, 8, 0, 1));
      awaitEvaluations(2); // low runs alone; high arrives mid-run
      e.submit(job("high", SamplerKind.DDPM, 20, 8, 5, 2));
      float[][] low = done.of("low").get(30, TimeUnit.SECONDS).samples();
      float[][] high = done.of("high").get(30, TimeUnit.SECONDS).samples();
      assertEquals(List.of("high", "low"), done.order());
      int skippedInARow = 0;
      int maxSkipped = 0;
      int highRows = 0; // 8 samples × 20 steps = 160 rows in all
      boolean arrived = false;
      for (Map<String, Integer> ev : new TreeMap<>(rows).values()) {
        arrived |= ev.containsKey("high");
        if (!arrived || highRows == 160) {
          continue;
        }
        int h = ev.getOrDefault("high", 0);
        int l = ev.getOrDefault("low", 0);
        assertTrue(h + l <= 8, "batch cap");
        int pending = Math.min(8, 160 - highRows);
        assertTrue(h == pending || (h == 4 && l == 4),
            "high gets all its pending rows but for a starved job's fair share: " + ev);
        highRows += h;
        skippedInARow = l == 0 ? skippedInARow + 1 : 0;
        maxSkipped = Math.max(maxSkipped, skippedInARow);
      }
      assertEquals(8, maxSkipped, "the low job waits at most MAX_SKIPS evaluations in a row");
      assertTrue(rows.values().stream().anyMatch(ev -> ev.getOrDefault("low", 0) == 4), "and then gets its share");
      assertArrayEquals(lone(SamplerKind.DDPM, 200, 8, 1), low, "bit-identical to a lone run");
      assertArrayEquals(lone(SamplerKind.DDPM, 20, 8, 2), high, "bit-identical to a lone run");
    } finally {
      e.stop();
    }
  }

  @Test
  void capOnRowsInFlightHoldsAndAPassedOverJobStillStarts() throws Exception {
    Completions done = new Completions();
    BatchEngine e = engine(64, BatchingMode.STEP, 8, done);
    e.start(false);
    try {
      e.submit(job("first", SamplerKind.DDIM, 500, 8, 0, 10)); // long enough to submit the rest meanwhile
      awaitEvaluations(1);
      e.submit(job("low", SamplerKind.DDIM, 10, 8, 0, 11));
      for (int i = 0; i < 12; i++) {
        e.submit(job("high" + i, SamplerKind.DDIM, 10, 8, 1, 20 + i));
      }
      done.of("low").get(30, TimeUnit.SECONDS);
      for (int i = 0; i < 12; i++) {
        done.of("high" + i).get(30, TimeUnit.SECONDS);
      }
      for (Map<String, Integer> ev : rows.values()) {
        assertEquals(1, ev.size(), "8 rows in flight at most: one job of 8 at a time: " + ev);
      }
      List<String> finished = done.order();
      int at = finished.indexOf("low");
      assertEquals(1 + 8 + 1, at + 1, "low starts after 8 higher-priority jobs passed it: " + finished);
      assertEquals(List.of("first", "high0"), finished.subList(0, 2), "priority before arrival order");
    } finally {
      e.stop();
    }
  }

  @Test
  void requestLevelBatchesOnlySameKeyJobsThatWaitTogether() throws Exception {
    Completions done = new Completions();
    BatchEngine e = engine(64, BatchingMode.REQUEST, 0, done);
    e.start(false);
    try {
      e.submit(job("a10", SamplerKind.DDIM, 10, 4, 0, 1));
      e.submit(job("b20", SamplerKind.DDIM, 20, 4, 0, 2));
      e.submit(job("c10", SamplerKind.DDIM, 10, 4, 0, 3));
      float[][] c = done.of("c10").get(30, TimeUnit.SECONDS).samples();
      done.of("b20").get(30, TimeUnit.SECONDS);
      for (Map<String, Integer> ev : rows.values()) {
        assertTrue(!ev.containsKey("b20") || ev.size() == 1, "ddim/20 never shares with ddim/10: " + ev);
      }
      assertEquals(10, rows.values().stream().filter(ev -> ev.size() == 2).count(), "a10 and c10 share 10 evaluations");
      assertEquals(List.of("a10", "c10", "b20"), done.order());
      assertArrayEquals(lone(SamplerKind.DDIM, 10, 4, 3), c);
    } finally {
      e.stop();
    }
  }

  @Test
  void overlappedHandBackKeepsSamplesBitIdentical() throws Exception {
    Completions done = new Completions();
    BatchEngine e = engine(32, BatchingMode.STEP, 0, done);
    e.overlap(true);
    e.hostThreads(2);
    e.start(false);
    SamplerKind[] kinds = {SamplerKind.DDPM, SamplerKind.SDE_PC, SamplerKind.DPM_SOLVER_2M, SamplerKind.ODE_RK45};
    int[] steps = {20, 10, 12, 0};
    int[] n = {32, 20, 24, 9}; // 85 rows in flight on batches of 32
    try {
      for (int k = 0; k < kinds.length; k++) {
        e.submit(job("o" + k, kinds[k], steps[k], n[k], k == 2 ? 1 : 0, 60 + k));
      }
      for (int k = 0; k < kinds.length; k++) {
        float[][] got = done.of("o" + k).get(60, TimeUnit.SECONDS).samples();
        assertArrayEquals(lone(kinds[k], steps[k], n[k], 60 + k), got, kinds[k].wire() + ": bit-identical to a lone run");
      }
      assertTrue(acceptThreads.contains("dpm-overlap"), "some rows got their ε while the next batch evaluated: "
          + acceptThreads);
    } finally {
      e.stop();
    }
  }

  @Test
  void helperThreadsForNoiseAndParallelRowsKeepSamplesBitIdentical() throws Exception {
    int d = 784; // 96 rows × 784 values: above HostWork.PARALLEL_VALUES, so ε goes back in chunks
    BenchSamplers big = new BenchSamplers(d);
    SimulatedAccelerator net = new SimulatedAccelerator(big.schedule(), d, 0.25, 200, 1, 256);
    Completions done = new Completions();
    BatchEngine e = new BatchEngine("t", net, 96, 500, done, new SimpleMeterRegistry(), 1000, 1000);
    e.hostThreads(3);
    e.batchWindow(200, 200);
    e.start(false);
    SamplerKind[] kinds = {SamplerKind.DDPM, SamplerKind.SDE_PC, SamplerKind.DPM_SOLVER_2M};
    try {
      for (int k = 0; k < kinds.length; k++) {
        Sampler s = big.get(kinds[k], 10);
        NoiseSource noise = new NoiseSource(40 + k);
        List<SamplingProcess> ps = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
          ps.add(s.start(noise.stream(i)));
        }
        e.submit(new EngineJob("p" + k, ps, 0, 0, null));
      }
      for (int k = 0; k < kinds.length; k++) {
        float[][] got = done.of("p" + k).get(60, TimeUnit.SECONDS).samples();
        Sampler s = big.get(kinds[k], 10);
        NoiseSource noise = new NoiseSource(40 + k);
        List<SamplingProcess> ps = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
          ps.add(s.start(noise.stream(i)));
        }
        Driver.run(ps, new SimulatedAccelerator(big.schedule(), d, 0.25, 0, 0, 1 << 20), 7, null);
        for (int i = 0; i < 32; i++) {
          assertArrayEquals(ps.get(i).sample(), got[i], kinds[k].wire() + " sample " + i);
        }
      }
      int longest = 0;
      int sum = 0;
      for (SamplerKind k : kinds) {
        SamplingProcess p = big.get(k, 10).start(new NoiseSource(1).stream(0));
        Driver.run(List.of(p), new SimulatedAccelerator(big.schedule(), d, 0.25, 0, 0, 1), 1, null);
        longest = Math.max(longest, p.nfe());
        sum += p.nfe();
      }
      assertTrue(net.evaluations() < sum && net.evaluations() <= longest + 2,
          "the jobs shared evaluations: " + net.evaluations() + " for NFE " + longest + " (sum " + sum + ")");
    } finally {
      e.stop();
    }
  }
}
