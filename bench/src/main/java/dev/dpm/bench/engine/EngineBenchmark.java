package dev.dpm.bench.engine;

import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.server.engine.BatchingMode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./dpm bench engine}: (a) {@link HostOverhead} per sampler and batch against the
 * simulated 1 ms network; (b) the {@link MixedWorkload} at several offered loads under step-level
 * batching, request-level batching and none. Prints Markdown or JSON.
 */
public final class EngineBenchmark {
  /** The section this benchmark owns in BENCHMARKS.md. */
  public static final String SECTION = "## Engine at accelerator speed";

  /**
   * What to run.
   *
   * @param samplers samplers of part (a)
   * @param batches batch sizes of part (a)
   * @param steps K of part (a)
   * @param runs measured runs of part (a)
   * @param dimension values per sample
   * @param loads offered loads of part (b), fractions of the network's peak rows per second
   * @param seconds arrivals per load, s
   * @param horizon a run gives up this long after its start, s
   * @param maxBatch rows per evaluation in part (b)
   * @param maxRowsInFlight the engine's cap in part (b) (0 = none)
   * @param priorityShare share of priority-class jobs
   * @param seed workload seed
   * @param hostThreads the engine's helper threads (−1: its default)
   * @param ddimSteps the workload's ddim step counts
   * @param overlap whether the engine overlaps hand-back with the next evaluation ({@code BatchEngine.overlap})
   * @param batchesInFlight part (a)'s job holds this many batches' worth of samples (1: one job of B on max batch B)
   */
  public record Options(List<SamplerKind> samplers, int[] batches, int steps, int runs, int dimension,
      double[] loads, double seconds, double horizon, int maxBatch, int maxRowsInFlight,
      double priorityShare, long seed, int hostThreads, int[] ddimSteps, boolean overlap, int batchesInFlight) {}

  /**
   * One load level.
   *
   * @param load offered load, fraction of the network's peak
   * @param jobsPerSecond arrival rate
   * @param outcomes per mode (step, request, none)
   * @param aloneMs latencies of the priority-class jobs run alone, sorted
   */
  public record Level(double load, double jobsPerSecond, List<MixedWorkload.Outcome> outcomes, double[] aloneMs) {
    /** @return the outcome of a mode */
    public MixedWorkload.Outcome of(BatchingMode m) {
      return outcomes.stream().filter(o -> o.mode() == m).findFirst().orElseThrow();
    }
  }

  /**
   * All figures.
   *
   * @param options what ran
   * @param network the accelerator's description
   * @param overhead part (a)
   * @param rowsPerJob E[n · NFE] of the mix
   * @param levels part (b)
   */
  public record Result(Options options, String network, List<HostOverhead.Point> overhead,
      double rowsPerJob, List<Level> levels) {}

  private EngineBenchmark() {}

  /**
   * @param o options
   * @param log progress lines
   * @return the figures
   */
  public static Result run(Options o, PrintWriter log) throws Exception {
    BenchSamplers samplers = new BenchSamplers(o.dimension());
    SimulatedAccelerator acc = SimulatedAccelerator.standard(samplers.schedule(), o.dimension());
    List<HostOverhead.Point> overhead = List.of();
    if (!o.samplers().isEmpty() && o.batches().length > 0) {
      log.println("bench engine: host overhead, " + o.samplers().size() + " samplers × " + o.batches().length + " batches");
      log.flush();
      overhead = HostOverhead.measure(samplers, o.samplers(), o.batches(), o.steps(), o.runs(), o.hostThreads(),
          o.overlap(), o.batchesInFlight());
    }
    double rowsPerJob = MixedWorkload.meanRowsPerJob(samplers, o.ddimSteps());
    double peakRows = o.maxBatch() / (acc.latencyNanos(o.maxBatch()) / 1e9);
    List<Level> levels = new ArrayList<>();
    for (double load : o.loads()) {
      double rate = load * peakRows / rowsPerJob;
      List<MixedWorkload.JobSpec> jobs = MixedWorkload.generate(o.seed(), rate, o.seconds(), o.priorityShare(), o.ddimSteps());
      List<MixedWorkload.Outcome> outs = new ArrayList<>();
      for (BatchingMode m : BatchingMode.values()) {
        log.printf(Locale.ROOT, "bench engine: load %.2f (%.1f jobs/s, %d jobs), %s%n", load, rate, jobs.size(), m);
        log.flush();
        outs.add(MixedWorkload.run(samplers, acc, m, jobs, o.maxBatch(), o.maxRowsInFlight(), o.horizon(), o.hostThreads(),
            o.overlap()));
      }
      double[] alone = MixedWorkload.alone(samplers, acc, jobs, o.maxBatch(), o.hostThreads(), o.overlap());
      levels.add(new Level(load, rate, outs, alone));
    }
    return new Result(o, acc.describe(), overhead, rowsPerJob, levels);
  }

  /**
   * @param r figures
   * @param command the command line to print
   * @param machine the machine description
   * @return the Markdown section
   */
  public static String markdown(Result r, String command, String machine) {
    StringBuilder sb = new StringBuilder();
    Options o = r.options();
    sb.append(SECTION).append("\n\nCommand: `").append(command).append("`  \nMachine: ").append(machine)
        .append("  \nNetwork: ").append(r.network()).append(" — never a served model.\n\n");
    if (!r.overhead().isEmpty()) {
      sb.append("### Host work per step\n\nOne job of ").append(o.batchesInFlight() == 1 ? "" : o.batchesInFlight() + "·")
          .append("B samples on max batch B").append(o.overlap() ? ", overlapped hand-back" : "")
          .append(", d = ").append(o.dimension())
          .append(", K = ").append(o.steps()).append(" (ode-rk45 adaptive); host work = mean gap between two ")
          .append("evaluations (ε handed back, sampler arithmetic and noise, progress, next batch packed), median of ")
          .append(o.runs()).append(" runs after two warm-up runs. Percent of the simulated evaluation at that batch ")
          .append("(target ≤ 2% at B = 64).\n\n| sampler |");
      for (int b : o.batches()) {
        sb.append(" B=").append(b).append(" µs (%) |");
      }
      sb.append(" ns/value at B=64 |\n|---|");
      for (int b : o.batches()) {
        sb.append("---:|");
      }
      sb.append("---:|\n");
      for (SamplerKind k : o.samplers()) {
        sb.append("| ").append(k.wire()).append(" |");
        String per64 = "—";
        for (HostOverhead.Point p : r.overhead()) {
          if (p.sampler().equals(k.wire())) {
            sb.append(String.format(Locale.ROOT, " %.1f (%.1f%%) |", p.hostMicros(), p.percent()));
            if (p.batch() == 64) {
              per64 = String.format(Locale.ROOT, "%.2f", p.nsPerValue(o.dimension()));
            }
          }
        }
        sb.append(' ').append(per64).append(" |\n");
      }
      sb.append('\n');
    }
    sb.append(String.format(Locale.ROOT, "### Mixed workload%n%nPoisson arrivals for %.0f s per load; each job one of "
        + "ddim (K ∈ %s), analytic-ddpm 25, dpm-solver-2m 20, ode-rk45, sde-pc 20 with equal odds, "
        + "n uniform in 1…16, %.0f%% in a priority class (priority 1); E[n·NFE] = %.0f rows per job; d = %d; "
        + "max batch %d, rows-in-flight cap %s. Load = offered rows/s over the network's peak (%d rows per %.2f ms). "
        + "Latency = arrival to completion; a run stops waiting %.0f s after its start (jobs not done by then are "
        + "left out of the latencies: see 'done'). Request-level = our engine batching only jobs that wait together "
        + "with the same sampler and K, run to completion as one batch; none = one job at a time.%n%n",
        o.seconds(), steps(o.ddimSteps()), 100 * o.priorityShare(), r.rowsPerJob(), o.dimension(), o.maxBatch(),
        o.maxRowsInFlight() == 0 ? "none" : String.valueOf(o.maxRowsInFlight()), o.maxBatch(),
        (1000 + 5.0 * o.maxBatch()) / 1e3, o.horizon()));
    sb.append("| load | jobs/s offered | mode | done | samples/s | p50 ms | p95 ms | p99 ms | priority p95 ms "
        + "| alone p95 ms | mean batch |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Level l : r.levels()) {
      double aloneP95 = MixedWorkload.quantile(l.aloneMs(), 0.95);
      for (MixedWorkload.Outcome out : l.outcomes()) {
        sb.append(String.format(Locale.ROOT, "| %.2f | %.1f | %s | %d/%d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f |%n",
            l.load(), l.jobsPerSecond(), out.mode().name().toLowerCase(Locale.ROOT), out.completed(), out.offered(),
            out.samplesPerSecond(), out.latency(0.5), out.latency(0.95), out.latency(0.99), out.priorityLatency(0.95),
            aloneP95, out.meanBatch()));
      }
    }
    sb.append('\n');
    for (Level l : r.levels()) {
      MixedWorkload.Outcome s = l.of(BatchingMode.STEP);
      MixedWorkload.Outcome q = l.of(BatchingMode.REQUEST);
      sb.append(String.format(Locale.ROOT, "- load %.2f: throughput step/request = %.2f×, p95 step/request = %.2f, "
          + "priority p95 / alone p95 = %.2f%n", l.load(), s.samplesPerSecond() / q.samplesPerSecond(),
          s.latency(0.95) / q.latency(0.95), s.priorityLatency(0.95) / MixedWorkload.quantile(l.aloneMs(), 0.95)));
    }
    EqualLatency e = EqualLatency.of(r.levels());
    if (e != null) {
      sb.append(String.format(Locale.ROOT, "- at equal or better p95: step-level at load %.2f carries %.0f samples/s "
          + "with p95 %.0f ms; ", e.stepLoad(), e.stepSamplesPerSecond(), e.stepP95Ms()))
          .append(Double.isNaN(e.requestLoad()) ? "request-level sustains none of the measured loads within that p95"
              : String.format(Locale.ROOT, "request-level's best within that p95 is %.0f samples/s (load %.2f, p95 "
                  + "%.0f ms): %.2f× (target ≥ 2×)", e.requestSamplesPerSecond(), e.requestLoad(), e.requestP95Ms(),
                  e.ratio()))
          .append('\n');
    }
    return sb.toString();
  }

  /** @return the figures as JSON (overhead percent per sampler and batch; ratios per load) */
  public static String json(Result r) {
    StringBuilder sb = new StringBuilder("{\"network\":").append(str(r.network())).append(",\"overhead\":[");
    for (int i = 0; i < r.overhead().size(); i++) {
      HostOverhead.Point p = r.overhead().get(i);
      sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
          "{\"sampler\":%s,\"batch\":%d,\"hostMicros\":%.3f,\"networkMicros\":%.1f,\"percent\":%.3f}",
          str(p.sampler()), p.batch(), p.hostMicros(), p.networkMicros(), p.percent()));
    }
    sb.append("],\"rowsPerJob\":").append(num(r.rowsPerJob())).append(",\"loads\":[");
    for (int i = 0; i < r.levels().size(); i++) {
      Level l = r.levels().get(i);
      sb.append(i == 0 ? "" : ",").append("{\"load\":").append(num(l.load())).append(",\"jobsPerSecond\":")
          .append(num(l.jobsPerSecond())).append(",\"alonePriorityP95Ms\":").append(num(MixedWorkload.quantile(l.aloneMs(), 0.95)));
      for (MixedWorkload.Outcome out : l.outcomes()) {
        sb.append(",\"").append(out.mode().name().toLowerCase(Locale.ROOT)).append("\":{\"completed\":").append(out.completed())
            .append(",\"offered\":").append(out.offered()).append(",\"samplesPerSecond\":").append(num(out.samplesPerSecond()))
            .append(",\"p50Ms\":").append(num(out.latency(0.5))).append(",\"p95Ms\":").append(num(out.latency(0.95)))
            .append(",\"p99Ms\":").append(num(out.latency(0.99))).append(",\"priorityP95Ms\":").append(num(out.priorityLatency(0.95)))
            .append(",\"meanBatch\":").append(num(out.meanBatch())).append('}');
      }
      sb.append(",\"throughputRatioStepOverRequest\":")
          .append(num(l.of(BatchingMode.STEP).samplesPerSecond() / l.of(BatchingMode.REQUEST).samplesPerSecond())).append('}');
    }
    sb.append(']');
    EqualLatency e = EqualLatency.of(r.levels());
    if (e != null) {
      sb.append(",\"equalP95\":{\"stepLoad\":").append(num(e.stepLoad())).append(",\"p95Ms\":").append(num(e.stepP95Ms()))
          .append(",\"stepSamplesPerSecond\":").append(num(e.stepSamplesPerSecond())).append(",\"requestLoad\":")
          .append(num(e.requestLoad())).append(",\"requestP95Ms\":").append(num(e.requestP95Ms()))
          .append(",\"requestSamplesPerSecond\":").append(num(e.requestSamplesPerSecond()))
          .append(",\"throughputRatioStepOverRequest\":").append(num(e.ratio())).append('}');
    }
    return sb.append('}').toString();
  }

  private static String steps(int[] k) {
    boolean range = k.length > 2;
    for (int i = 1; i < k.length; i++) {
      range &= k[i] == k[i - 1] + 1;
    }
    return range ? "{" + k[0] + "…" + k[k.length - 1] + "}" : java.util.Arrays.toString(k).replace('[', '{').replace(']', '}');
  }

  private static String num(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "null";
  }

  private static String str(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
