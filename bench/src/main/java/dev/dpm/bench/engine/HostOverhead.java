package dev.dpm.bench.engine;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.EngineJob;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Part (a) of the engine benchmark: the engine's host work per step — handing ε back to every
 * row's process (sampler arithmetic, noise), progress, packing the next batch — for one job of B
 * samples on a {@link SimulatedAccelerator} whose batch-B evaluation takes 1 ms + 5 µs·B. Measured
 * as the mean gap between two evaluations (the time the device would sit idle), median over runs.
 */
public final class HostOverhead {
  /**
   * One sampler at one batch size.
   *
   * @param sampler wire name
   * @param batch B
   * @param hostMicros host work per step (median gap between evaluations), µs
   * @param networkMicros the simulated evaluation at batch B, µs
   */
  public record Point(String sampler, int batch, double hostMicros, double networkMicros) {
    /** @return host work as a percentage of the evaluation */
    public double percent() {
      return 100 * hostMicros / networkMicros;
    }

    /** @return host ns per sample value */
    public double nsPerValue(int d) {
      return 1e3 * hostMicros / ((double) batch * d);
    }
  }

  private HostOverhead() {}

  /**
   * @param samplers the samplers
   * @param kinds which
   * @param batches batch sizes
   * @param steps K per run (ode-rk45 is adaptive)
   * @param runs measured runs (after two warm-up runs)
   * @param hostThreads the engine's helper threads (−1: its default)
   * @param overlap whether the engine overlaps hand-back with the next evaluation
   * @param batchesInFlight the job holds this many batches' worth of samples, ≥ 1
   * @return points, sampler-major
   */
  public static List<Point> measure(BenchSamplers samplers, List<SamplerKind> kinds, int[] batches,
      int steps, int runs, int hostThreads, boolean overlap, int batchesInFlight) throws Exception {
    List<Point> out = new ArrayList<>();
    for (SamplerKind kind : kinds) {
      Sampler s = samplers.get(kind, steps);
      for (int b : batches) {
        SimulatedAccelerator acc = new SimulatedAccelerator(samplers.schedule(), samplers.dimension(),
            BenchSamplers.VARIANCE, 1000, 5, Math.max(256, b));
        double[] gaps = new double[runs];
        for (int r = -2; r < runs; r++) { // two warm-up runs (the JIT)
          double g = oneRun(acc, s, b, batchesInFlight * b, 100 + r, hostThreads, overlap);
          if (r >= 0) {
            gaps[r] = g;
          }
        }
        Arrays.sort(gaps);
        out.add(new Point(kind.wire(), b, gaps[runs / 2] / 1e3, acc.latencyNanos(b) / 1e3));
      }
    }
    return out;
  }

  /** One job of n samples through an engine of max batch b; returns the mean host gap, ns. */
  private static double oneRun(SimulatedAccelerator acc, Sampler s, int b, int n, long seed, int hostThreads,
      boolean overlap) throws Exception {
    Completions done = new Completions();
    BatchEngine engine = new BatchEngine("bench", acc, b, 500, done, new SimpleMeterRegistry(), 250, 1000);
    engine.overlap(overlap);
    if (hostThreads >= 0) {
      engine.hostThreads(hostThreads);
    }
    engine.start(false);
    try {
      NoiseSource noise = new NoiseSource(seed);
      List<SamplingProcess> ps = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ps.add(s.start(noise.stream(i)));
      }
      acc.resetGaps();
      engine.submit(new EngineJob("j", ps, 0, 0, null));
      done.of("j").get(10, TimeUnit.MINUTES);
      return acc.meanGapNanos();
    } finally {
      engine.stop();
    }
  }
}
