package dev.dpm.bench.engine;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.BatchingMode;
import dev.dpm.server.engine.EngineJob;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Part (b) of the engine benchmark: jobs arriving at Poisson times, mixing ddim (K uniform over a
 * given set, by default every K in 10 … 50), analytic-ddpm 25, dpm-solver-2m 20, ode-rk45 and
 * sde-pc 20 (one family each with probability 1/5), n uniform in 1 … 16, a share of them in a
 * higher priority class, run on one engine over a {@link SimulatedAccelerator} in a
 * {@link BatchingMode}.
 */
public final class MixedWorkload {
  /** The default ddim step counts: every K in 10 … 50. */
  public static final int[] DDIM_STEPS = java.util.stream.IntStream.rangeClosed(10, 50).toArray();

  /**
   * One job of the workload.
   *
   * @param index its number
   * @param arrivalNanos arrival after the start, ns
   * @param kind sampler
   * @param steps K (unused by ode-rk45)
   * @param n samples
   * @param priority 1 for the priority class, else 0
   */
  public record JobSpec(int index, long arrivalNanos, SamplerKind kind, int steps, int n, int priority) {}

  /**
   * One run's figures.
   *
   * @param mode the batching mode
   * @param offered jobs that arrived
   * @param completed jobs finished within the horizon
   * @param jobsPerSecond completed jobs per second (first arrival to last completion)
   * @param samplesPerSecond completed samples per second, same window
   * @param latencyMs latencies of completed jobs, arrival to completion, sorted
   * @param priorityLatencyMs the same for the priority class
   * @param meanBatch rows per evaluation
   */
  public record Outcome(BatchingMode mode, int offered, int completed, double jobsPerSecond,
      double samplesPerSecond, double[] latencyMs, double[] priorityLatencyMs, double meanBatch) {
    /** @return the q-quantile of the latency, ms (NaN if none) */
    public double latency(double q) {
      return quantile(latencyMs, q);
    }

    /** @return the q-quantile of the priority class's latency, ms (NaN if none) */
    public double priorityLatency(double q) {
      return quantile(priorityLatencyMs, q);
    }
  }

  private MixedWorkload() {}

  /**
   * @param seed workload seed
   * @param jobsPerSecond arrival rate
   * @param seconds arrivals during this long
   * @param priorityShare probability that a job is in the priority class
   * @param ddimSteps the ddim step counts, drawn uniformly
   * @return the jobs in arrival order
   */
  public static List<JobSpec> generate(long seed, double jobsPerSecond, double seconds, double priorityShare,
      int[] ddimSteps) {
    Random rnd = new Random(seed);
    List<JobSpec> jobs = new ArrayList<>();
    double t = 0;
    while (true) {
      t += -Math.log(1 - rnd.nextDouble()) / jobsPerSecond;
      if (t >= seconds) {
        return jobs;
      }
      int family = rnd.nextInt(5);
      SamplerKind kind = switch (family) {
        case 0 -> SamplerKind.DDIM;
        case 1 -> SamplerKind.ANALYTIC_DDPM;
        case 2 -> SamplerKind.DPM_SOLVER_2M;
        case 3 -> SamplerKind.ODE_RK45;
        default -> SamplerKind.SDE_PC;
      };
      int steps = switch (family) {
        case 0 -> ddimSteps[rnd.nextInt(ddimSteps.length)];
        case 1 -> 25;
        default -> 20;
      };
      int n = 1 + rnd.nextInt(16);
      int priority = rnd.nextDouble() < priorityShare ? 1 : 0;
      jobs.add(new JobSpec(jobs.size(), Math.round(t * 1e9), kind, steps, n, priority));
    }
  }

  /**
   * The mean network rows of one job of the mix (n × NFE), from one sample of each configuration
   * run on the oracle without latency.
   *
   * @param samplers the samplers
   * @param ddimSteps the ddim step counts
   * @return E[n · NFE]
   */
  public static double meanRowsPerJob(BenchSamplers samplers, int[] ddimSteps) {
    SimulatedAccelerator bare = new SimulatedAccelerator(samplers.schedule(), samplers.dimension(),
        BenchSamplers.VARIANCE, 0, 0, 1 << 20);
    double ddim = 0;
    for (int k : ddimSteps) {
      ddim += nfe(samplers.get(SamplerKind.DDIM, k), bare) / (double) ddimSteps.length;
    }
    double nfe = (ddim + nfe(samplers.get(SamplerKind.ANALYTIC_DDPM, 25), bare)
        + nfe(samplers.get(SamplerKind.DPM_SOLVER_2M, 20), bare)
        + nfe(samplers.get(SamplerKind.ODE_RK45, 0), bare)
        + nfe(samplers.get(SamplerKind.SDE_PC, 20), bare)) / 5;
    return 8.5 * nfe; // E[n] = 8.5
  }

  private static int nfe(Sampler s, SimulatedAccelerator bare) {
    SamplingProcess p = s.start(new NoiseSource(1).stream(0));
    Driver.run(List.of(p), bare, 1, null);
    return p.nfe();
  }

  /**
   * Runs the workload on a fresh engine.
   *
   * @param samplers the samplers
   * @param acc the accelerator (its counters are read as deltas)
   * @param mode batching mode
   * @param jobs the workload
   * @param maxBatch rows per evaluation
   * @param maxRowsInFlight the engine's cap (0 = none)
   * @param horizonSeconds give up waiting this long after the start
   * @param hostThreads the engine's helper threads (−1: its default)
   * @param overlap whether the engine overlaps hand-back with the next evaluation
   * @return the figures
   */
  public static Outcome run(BenchSamplers samplers, SimulatedAccelerator acc, BatchingMode mode,
      List<JobSpec> jobs, int maxBatch, int maxRowsInFlight, double horizonSeconds, int hostThreads, boolean overlap)
      throws Exception {
    Completions done = new Completions();
    BatchEngine engine = new BatchEngine("bench", acc, maxBatch, 500, done, new SimpleMeterRegistry(), 250, 1000);
    engine.overlap(overlap);
    if (hostThreads >= 0) {
      engine.hostThreads(hostThreads);
    }
    engine.scheduling(mode, maxRowsInFlight);
    engine.start(false);
    long evals0 = acc.evaluations();
    long rows0 = acc.rows();
    Map<Integer, Long> submitted = new HashMap<>();
    long start = System.nanoTime();
    try {
      for (JobSpec j : jobs) {
        long wait = start + j.arrivalNanos() - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        submitted.put(j.index(), System.nanoTime());
        engine.submit(engineJob(samplers, j));
      }
      long deadline = start + Math.round(horizonSeconds * 1e9);
      List<Double> lat = new ArrayList<>();
      List<Double> prio = new ArrayList<>();
      long last = start;
      long samples = 0;
      for (JobSpec j : jobs) {
        long left = deadline - System.nanoTime();
        Completions.Done d;
        try {
          d = done.of(id(j)).get(Math.max(1, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          continue;
        }
        double ms = (d.nanos() - submitted.get(j.index())) / 1e6;
        lat.add(ms);
        if (j.priority() > 0) {
          prio.add(ms);
        }
        last = Math.max(last, d.nanos());
        samples += j.n();
      }
      double window = Math.max(1e-9, (last - start - jobs.get(0).arrivalNanos()) / 1e9);
      long evals = acc.evaluations() - evals0;
      return new Outcome(mode, jobs.size(), lat.size(), lat.size() / window, samples / window,
          sorted(lat), sorted(prio), evals == 0 ? 0 : (double) (acc.rows() - rows0) / evals);
    } finally {
      engine.stop();
    }
  }

  /**
   * The priority-class jobs, each alone on an idle engine, one after another.
   *
   * @return their latencies, ms, sorted
   */
  public static double[] alone(BenchSamplers samplers, SimulatedAccelerator acc, List<JobSpec> jobs,
      int maxBatch, int hostThreads, boolean overlap) throws Exception {
    Completions done = new Completions();
    BatchEngine engine = new BatchEngine("alone", acc, maxBatch, 500, done, new SimpleMeterRegistry(), 250, 1000);
    engine.overlap(overlap);
    if (hostThreads >= 0) {
      engine.hostThreads(hostThreads);
    }
    engine.start(false);
    List<Double> lat = new ArrayList<>();
    try {
      for (JobSpec j : jobs) {
        if (j.priority() == 0) {
          continue;
        }
        long t0 = System.nanoTime();
        engine.submit(engineJob(samplers, j));
        Completions.Done d = done.of(id(j)).get(10, TimeUnit.MINUTES);
        lat.add((d.nanos() - t0) / 1e6);
      }
    } finally {
      engine.stop();
    }
    return sorted(lat);
  }

  private static EngineJob engineJob(BenchSamplers samplers, JobSpec j) {
    Sampler s = samplers.get(j.kind(), j.steps());
    NoiseSource noise = new NoiseSource(j.index());
    List<SamplingProcess> ps = new ArrayList<>(j.n());
    for (int i = 0; i < j.n(); i++) {
      ps.add(s.start(noise.stream(i)));
    }
    return new EngineJob(id(j), ps, 0, 0, j.priority(), BenchSamplers.key(j.kind(), j.steps()), null);
  }

  private static String id(JobSpec j) {
    return "j" + j.index();
  }

  private static double[] sorted(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a;
  }

  static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
