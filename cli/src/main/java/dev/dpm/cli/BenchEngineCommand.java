package dev.dpm.cli;

import dev.dpm.bench.engine.EngineBenchmark;
import dev.dpm.core.sampler.SamplerKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm bench engine}: the engine at accelerator speed ({@link EngineBenchmark}) — host work
 * per step against a simulated 1 ms network, and a mixed Poisson workload under step-level
 * batching, request-level batching and none. Markdown by default, {@code --json} for scripts.
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
    description = "Measure the engine's host overhead and its scheduling under mixed load on a simulated accelerator.")
public final class BenchEngineCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--samplers", split = ",", paramLabel = "S,...",
      description = "Samplers of the host-overhead table (default: all; 'none' skips the table).")
  List<String> samplerNames;

  @Option(names = "--batches", split = ",", defaultValue = "1,16,64,256", paramLabel = "B,...",
      description = "Batch sizes of the host-overhead table (default: ${DEFAULT-VALUE}).")
  int[] batches;

  @Option(names = "--steps", defaultValue = "20", paramLabel = "K", description = "Steps per host-overhead run (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--runs", defaultValue = "3", paramLabel = "R", description = "Measured host-overhead runs, median reported (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--dim", defaultValue = "784", paramLabel = "D", description = "Values per sample (default: ${DEFAULT-VALUE}, fashion-mnist's 1×28×28).")
  int dim;

  @Option(names = "--loads", split = ",", defaultValue = "0.1,0.2,0.4", paramLabel = "L,...",
      description = "Offered loads of the mixed workload, fractions of the network's peak rows/s ('none' skips it; default: ${DEFAULT-VALUE}).")
  List<String> loads;

  @Option(names = "--duration", defaultValue = "6", paramLabel = "S", description = "Seconds of arrivals per load and mode (default: ${DEFAULT-VALUE}).")
  double duration;

  @Option(names = "--horizon", defaultValue = "20", paramLabel = "S", description = "A run stops waiting this long after its start (default: ${DEFAULT-VALUE}).")
  double horizon;

  @Option(names = "--max-batch", defaultValue = "64", paramLabel = "B", description = "Rows per evaluation in the workload (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--max-rows-in-flight", defaultValue = "0", paramLabel = "R", description = "The engine's cap on rows of running jobs (0 = none; default: ${DEFAULT-VALUE}).")
  int maxRowsInFlight;

  @Option(names = "--priority-share", defaultValue = "0.1", paramLabel = "P", description = "Share of priority-class jobs (default: ${DEFAULT-VALUE}).")
  double priorityShare;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Workload seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--host-threads", defaultValue = "-1", paramLabel = "T",
      description = "The engine's helper threads for host work (-1 = its default, one per core beyond the engine thread, at most 4).")
  int hostThreads;

  @Option(names = "--ddim-steps", defaultValue = "10-50", paramLabel = "A-B|K,...",
      description = "The workload's ddim step counts: a range or a list (default: ${DEFAULT-VALUE}, every K).")
  String ddimSteps;

  @Option(names = "--overlap", description = "Overlap handing ε back with the next evaluation (BatchEngine.overlap; off by default).")
  boolean overlap;

  @Option(names = "--batches-in-flight", defaultValue = "1", paramLabel = "F",
      description = "Host work: one job of F·B samples on max batch B (default: ${DEFAULT-VALUE}; overlap needs F >= 2).")
  int batchesInFlight;

  @Option(names = "--json", description = "Print the figures as JSON instead of Markdown.")
  boolean json;

  @Option(names = "--write", paramLabel = "FILE.md",
      description = "Also write the Markdown into the '" + EngineBenchmark.SECTION + "' section of this file (e.g. BENCHMARKS.md).")
  Path write;

  @Option(names = "--plot", paramLabel = "FILE.png", description = "Also plot latency against load (PNG).")
  Path plot;

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    List<SamplerKind> kinds = samplerNames == null ? Arrays.asList(SamplerKind.values())
        : samplerNames.contains("none") ? List.of() : samplerNames.stream().map(SamplerKind::parse).toList();
    double[] ls = loads.contains("none") ? new double[0] : loads.stream().mapToDouble(Double::parseDouble).toArray();
    if (steps < 2 || runs < 1 || dim < 1 || duration <= 0 || horizon <= duration || maxBatch < 1
        || maxRowsInFlight < 0 || batchesInFlight < 1 || priorityShare < 0 || priorityShare > 1
        || Arrays.stream(batches).anyMatch(b -> b < 1) || Arrays.stream(ls).anyMatch(l -> !(l > 0))) {
      throw new UsageError("need --steps >= 2, --runs >= 1, --dim >= 1, --duration > 0, --horizon > --duration, "
          + "--max-batch >= 1, --max-rows-in-flight >= 0, --batches-in-flight >= 1, --priority-share in [0, 1], --batches >= 1, --loads > 0");
    }
    int[] ks;
    try {
      ks = ddimSteps.contains("-")
          ? java.util.stream.IntStream.rangeClosed(Integer.parseInt(ddimSteps.split("-")[0].trim()),
              Integer.parseInt(ddimSteps.split("-")[1].trim())).toArray()
          : Arrays.stream(ddimSteps.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new UsageError("--ddim-steps: expected A-B or K,K,..., got '" + ddimSteps + "'", e);
    }
    if (ks.length == 0 || Arrays.stream(ks).anyMatch(k -> k < 2 || k > 1000)) {
      throw new UsageError("--ddim-steps: every K must be in 2 … 1000");
    }
    EngineBenchmark.Options o = new EngineBenchmark.Options(kinds, batches, steps, runs, dim, ls, duration,
        horizon, maxBatch, maxRowsInFlight, priorityShare, seed, hostThreads, ks, overlap,
        batchesInFlight);
    PrintWriter err = spec.commandLine().getErr();
    EngineBenchmark.Result r = EngineBenchmark.run(o, err);
    PrintWriter out = spec.commandLine().getOut();
    String md = EngineBenchmark.markdown(r, command(kinds, ls), machine());
    out.print(json ? EngineBenchmark.json(r) + "\n" : md);
    out.flush();
    if (plot != null && !r.levels().isEmpty()) {
      dev.dpm.bench.engine.EngineCharts.latencyAgainstLoad(r, plot);
      err.println("bench engine: wrote " + plot);
    }
    if (write != null) {
      writeSection(write, md);
      err.println("bench engine: wrote section '" + EngineBenchmark.SECTION + "' of " + write);
      err.flush();
    }
    return 0;
  }

  private String command(List<SamplerKind> kinds, double[] ls) {
    return "./dpm bench engine" + (samplerNames == null ? "" : " --samplers "
        + (kinds.isEmpty() ? "none" : kinds.stream().map(SamplerKind::wire).collect(Collectors.joining(","))))
        + " --batches " + Arrays.stream(batches).mapToObj(String::valueOf).collect(Collectors.joining(","))
        + " --steps " + steps + " --runs " + runs + " --dim " + dim + " --loads "
        + (ls.length == 0 ? "none" : Arrays.stream(ls).mapToObj(l -> String.format(Locale.ROOT, "%.2f", l)).collect(Collectors.joining(",")))
        + String.format(Locale.ROOT, " --duration %.0f --horizon %.0f", duration, horizon) + " --max-batch " + maxBatch
        + (maxRowsInFlight > 0 ? " --max-rows-in-flight " + maxRowsInFlight : "")
        + (hostThreads >= 0 ? " --host-threads " + hostThreads : "")
        + (overlap ? " --overlap" : "") + (batchesInFlight != 1 ? " --batches-in-flight " + batchesInFlight : "")
        + (ddimSteps.equals("10-50") ? "" : " --ddim-steps " + ddimSteps);
  }

  private String machine() {
    return Runtime.getRuntime().availableProcessors() + " CPUs (nproc), " + BenchSamplerCommand.cpuModel()
        + ", Java " + System.getProperty("java.version") + ", engine helper threads "
        + (hostThreads >= 0 ? hostThreads : "default (" + Math.max(0, Math.min(4, Runtime.getRuntime().availableProcessors() - 1)) + ")")
        + ", shared with other work";
  }

  /** Replaces (or appends) this benchmark's section of a Markdown file. */
  static void writeSection(Path file, String section) throws IOException {
    String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
    String head = EngineBenchmark.SECTION + "\n";
    int start = text.indexOf(head);
    String body = section.endsWith("\n") ? section : section + "\n";
    if (start < 0) {
      text = (text.endsWith("\n") ? text : text + "\n") + "\n" + body;
    } else {
      int next = text.indexOf("\n## ", start + head.length());
      text = text.substring(0, start) + body + (next < 0 ? "" : text.substring(next + 1));
    }
    Files.writeString(file, text);
  }
}
