package dev.dpm.cli;

import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.bench.ServeBenchmark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm bench serve}: the serving benchmark ({@link ServeBenchmark}) — J concurrent
 * single-sample jobs vs one J-sample job vs the J jobs with batching off, on the real server with a
 * TorchScript model; prints a Markdown section and optionally writes it into a file.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Measure serving throughput with and without step-level batching, latency and overhead.")
public final class BenchServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", paramLabel = "NAME|DIR",
      description = "A model of the models folder, or a model folder (default: fashion-mnist-uncond if present, "
          + "else the tiny-conv test fixture).")
  String model;

  @Option(names = "--models", paramLabel = "DIR", description = "Models folder (default: $DPM_MODELS, else models/).")
  Path modelsDir;

  @Option(names = "--sampler", defaultValue = "ddim", paramLabel = "NAME", description = "Sampler (default: ${DEFAULT-VALUE}).")
  String sampler;

  @Option(names = "--steps", defaultValue = "20", paramLabel = "K", description = "Steps per job (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--jobs", defaultValue = "32", paramLabel = "J",
      description = "Concurrent single-sample jobs, and samples of the one big job (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(names = "--max-batch", defaultValue = "64", paramLabel = "B", description = "Server's maximum batch (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--repeats", defaultValue = "3", paramLabel = "R", description = "Measured repeats per scenario (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu|auto", description = "Device (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--threads", defaultValue = "0", paramLabel = "T",
      description = "libtorch intra-op threads (default: ${DEFAULT-VALUE} = one per core; 1 suits a CPU shared with other work).")
  int threads;

  @Option(names = "--write", paramLabel = "FILE.md",
      description = "Also write the result into the '" + ServeBenchmark.SECTION + "' section of this Markdown file (e.g. BENCHMARKS.md).")
  Path write;

  @Option(names = "--verbose", description = "Keep the server's info logs.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!verbose && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // before the server's first logger
    }
    Path dir = modelDir();
    ServeBenchmark.Options o;
    try {
      o = new ServeBenchmark.Options(dir, sampler, steps, jobs, repeats, maxBatch, device, threads);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage(), e);
    }
    PrintWriter err = spec.commandLine().getErr();
    ServeBenchmark.Result r = ServeBenchmark.run(o, err);
    String cmd = "./dpm bench serve" + (model == null ? "" : " --model " + model) + " --sampler " + sampler
        + " --steps " + steps + " --jobs " + jobs + " --max-batch " + maxBatch + " --repeats " + repeats
        + " --device " + device + (threads > 0 ? " --threads " + threads : "");
    String md = ServeBenchmark.markdown(r, cmd);
    PrintWriter out = spec.commandLine().getOut();
    out.print(md);
    out.flush();
    if (write != null) {
      ServeBenchmark.writeSection(write, md);
      err.println("bench serve: wrote section '" + ServeBenchmark.SECTION + "' of " + write);
      err.flush();
    }
    return r.met() ? 0 : 1;
  }

  private Path modelDir() {
    if (model == null) {
      return ServeBenchmark.defaultModel();
    }
    Path asDir = Path.of(model);
    if (Files.isRegularFile(asDir.resolve("model.json"))) {
      return asDir;
    }
    Path named = (modelsDir != null ? modelsDir : ModelLoader.defaultModelsDir()).resolve(model);
    if (Files.isRegularFile(named.resolve("model.json"))) {
      return named;
    }
    throw new UsageError("--model: no model folder '" + model + "' (nor " + named + ")");
  }

  /**
   * Runs the benchmark on its own, without the {@code dpm} front end.
   *
   * @param args arguments
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchServeCommand()).execute(args));
  }
}
