package dev.dpm.cli;

import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm bench sampler}: the sampler's own per-step arithmetic against one network
 * evaluation, at batch B on a TorchScript fixture (default {@code tiny-conv}, 1×28×28).
 *
 * <p>Network: the wall time of one {@code predictEps} of B rows. Sampler: the wall time of one
 * step of B processes — {@code pending()} with the copy of x into the batch buffer, and
 * {@code accept()} with the copy of the row's ε out of the network output (what the driver does),
 * noise draws included — averaged over the K steps of a run (no network inside). Both are medians
 * over several runs after warm-up. Target: sampler/network under 3%.
 */
@Command(name = "sampler", mixinStandardHelpOptions = true,
    description = "Measure the samplers' per-step arithmetic against one network evaluation.")
public final class BenchSamplerCommand implements Callable<Integer> {
  /** The section this benchmark owns in BENCHMARKS.md. */
  static final String SECTION = "## Sampler overhead";

  @Spec
  CommandSpec spec;

  @Option(names = "--fixture", paramLabel = "DIR",
      description = "Model folder of the network to time (default: the tiny-conv test fixture).")
  Path fixture;

  @Option(names = "--batch", defaultValue = "64", paramLabel = "B", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--steps", defaultValue = "100", paramLabel = "K", description = "Steps per sampler run (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--runs", defaultValue = "9", paramLabel = "R", description = "Measured runs; the median is reported (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "5", paramLabel = "W", description = "Warm-up runs (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--samplers", split = ",", defaultValue = "ddpm,analytic-ddpm,ddim", paramLabel = "S,...",
      converter = SamplerOptions.KindConverter.class, description = "Samplers to time (default: ${DEFAULT-VALUE}).")
  List<SamplerKind> samplers;

  @Option(names = "--device", paramLabel = "cpu|gpu", defaultValue = "cpu", description = "Where the network runs (default: ${DEFAULT-VALUE}).")
  ModelOptions.DeviceKind device;

  @Option(names = "--write", paramLabel = "FILE.md",
      description = "Also write the result into the '" + SECTION + "' section of this Markdown file (e.g. BENCHMARKS.md).")
  Path write;

  /** One sampler's timing. */
  record Row(String sampler, double stepMicros, double ratio) {}

  @Override
  public Integer call() throws IOException {
    if (batch < 1 || steps < 2 || runs < 1 || warmup < 0) {
      throw new UsageError("need --batch >= 1, --steps >= 2, --runs >= 1, --warmup >= 0");
    }
    Path dir = fixture != null ? fixture : defaultFixture();
    ModelSpec ms;
    try {
      ms = ModelSpec.read(dir);
    } catch (IOException e) {
      throw new UsageError("--fixture: " + e.getMessage(), e);
    }
    PrintWriter err = spec.commandLine().getErr();
    try (LoadedModel lm = ModelLoader.load(ms, device == ModelOptions.DeviceKind.gpu ? ai.djl.Device.gpu() : null)) {
      int d = ms.dimension();
      NoiseSchedule sched = lm.schedule();
      // Γ only sets the analytic variances' values, not their cost: use a valid closed form.
      double[] gamma = Moments.isotropicGaussian(sched, 0.25);
      // likewise a fixed second head (h = 0.5 everywhere) for the sn/npr kinds: the cost, not the values
      ModelContext ctx = new ModelContext(sched, d, ms.dataRange(), ms.eightBit(), gamma)
          .withHeads(java.util.EnumSet.allOf(dev.dpm.core.model.SecondHead.class));

      float[] x = new float[batch * d];
      NoiseSource noise = new NoiseSource(1);
      float[] row = new float[d];
      double[] time = new double[batch];
      for (int i = 0; i < batch; i++) {
        noise.gaussian(i, 0, row);
        System.arraycopy(row, 0, x, i * d, d);
        time[i] = 1 + (i * 997L) % sched.steps();
      }
      err.println("bench: " + ms.name() + " (" + d + " values per sample), batch " + batch + ", "
          + warmup + " warm-up + " + runs + " runs");
      err.flush();
      double[] net = new double[runs];
      float[] eps = null;
      for (int r = -warmup; r < runs; r++) {
        long t0 = System.nanoTime();
        eps = lm.predictor().predictEps(x, time, batch);
        long t1 = System.nanoTime();
        if (r >= 0) {
          net[r] = (t1 - t0) / 1e3;
        }
      }
      double netMicros = median(net);

      List<Row> rows = new ArrayList<>();
      for (SamplerKind kind : samplers) {
        Sampler s = create(kind, ctx);
        double[] per = new double[runs];
        for (int r = -warmup; r < runs; r++) {
          double micros = timeSteps(s, eps, d, r + 1000L);
          if (r >= 0) {
            per[r] = micros;
          }
        }
        double m = median(per);
        rows.add(new Row(kind.wire(), m, m / netMicros));
      }
      String md = markdown(ms, netMicros, rows) + optimalTrajectoryTimes(sched, gamma);
      PrintWriter out = spec.commandLine().getOut();
      out.print(md);
      out.flush();
      if (write != null) {
        writeSection(write, md);
        err.println("bench: wrote section '" + SECTION + "' of " + write);
      }
      return 0;
    }
  }

  private Sampler create(SamplerKind kind, ModelContext ctx) {
    SamplerResult res = Samplers.create(SamplerSettings.builder(kind).optSteps(steps).build(), ctx);
    if (res instanceof SamplerResult.Ok ok) {
      return ok.sampler();
    }
    throw new UsageError("--samplers: " + ((SamplerResult.Invalid) res).problems().get(0));
  }

  /**
   * One run of B processes through K steps without the network; ε rows are copied out of a
   * fixed network output, as the driver copies them out of each evaluation.
   *
   * @return microseconds per step (all B processes)
   */
  private double timeSteps(Sampler s, float[] eps, int d, long seed) {
    NoiseSource noise = new NoiseSource(seed);
    List<SamplingProcess> procs = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      procs.add(s.start(noise.stream(i)));
    }
    float[] head = new float[batch * d]; // [B, d], the sn/npr kinds' second head
    Arrays.fill(head, 0.5f);
    float[] xb = new float[batch * d]; // the batch buffer the network would read
    double[] tb = new double[batch];
    int k = 0;
    long t0 = System.nanoTime();
    while (!procs.get(0).isDone()) {
      for (int i = 0; i < batch; i++) {
        EvalRequest req = procs.get(i).pending();
        System.arraycopy(req.x(), 0, xb, i * d, d);
        tb[i] = req.time();
      }
      for (int i = 0; i < batch; i++) {
        if (procs.get(i).pending().head() != null) {
          procs.get(i).accept(eps, head, i * d);
        } else {
          procs.get(i).accept(Arrays.copyOfRange(eps, i * d, (i + 1) * d));
        }
      }
      k++;
    }
    long t1 = System.nanoTime();
    if (xb[0] == Float.MIN_VALUE && tb[0] < 0) {
      throw new AssertionError(); // keeps the copies observable
    }
    return (t1 - t0) / 1e3 / k;
  }

  private String markdown(ModelSpec ms, double netMicros, List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append(SECTION).append("\n\n");
    sb.append("Command: `./dpm bench sampler --batch ").append(batch).append(" --steps ").append(steps)
        .append(" --runs ").append(runs).append(" --warmup ").append(warmup).append("`  \n");
    sb.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
        .append(cpuModel()).append(", Java ").append(System.getProperty("java.version"))
        .append(", DJL PyTorch engine (libtorch 2.7.1), device ").append(device).append("  \n");
    sb.append("Network: `").append(ms.name()).append("` fixture (").append(Arrays.toString(ms.sampleShape()))
        .append(", ").append(ms.raw().path("provenance").path("parameters").asText("?"))
        .append(" parameters), batch ").append(batch).append(".  \n");
    sb.append("Median of ").append(runs).append(" runs after ").append(warmup)
        .append(" warm-up runs. Sampler step = `pending()` + `accept()` of all ").append(batch)
        .append(" processes (x copied into the batch buffer, ε row copied out, noise drawn), averaged over the ")
        .append(steps).append(" steps of a run.\n\n");
    int d = ms.dimension();
    sb.append("| what | time per step (µs) | ns per sample value | share of one network evaluation |\n");
    sb.append("|---|---:|---:|---:|\n");
    sb.append(String.format(Locale.ROOT, "| network evaluation, batch %d | %.1f | %.1f | 100%% |%n", batch,
        netMicros, 1e3 * netMicros / ((double) batch * d)));
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, "| %s step arithmetic, %d processes | %.1f | %.1f | %.2f%% |%n",
          r.sampler(), batch, r.stepMicros(), 1e3 * r.stepMicros() / ((double) batch * d), 100 * r.ratio()));
    }
    double worst = rows.stream().mapToDouble(Row::ratio).max().orElse(0);
    double worstMicros = rows.stream().mapToDouble(Row::stepMicros).max().orElse(0);
    sb.append(String.format(Locale.ROOT, "%nWorst ratio: %.2f%% (target < 3%%): %s. ", 100 * worst,
        worst < 0.03 ? "met" : "NOT met"));
    sb.append(String.format(Locale.ROOT, "The host arithmetic does not depend on the network, so it stays "
        + "under 3%% for any network whose batch-%d evaluation of %d-value samples takes more than %.0f ms "
        + "(%.0f×%.1f µs); a much faster network (e.g. this one on a GPU) would make it a larger share.%n",
        batch, d, worstMicros / 0.03 / 1e3, 1 / 0.03, worstMicros));
    sb.append("Timings taken on a machine shared with other work vary between runs; compare ratios within one run.\n");
    return sb.toString();
  }

  /** Replaces (or appends) this benchmark's section of a Markdown file. */
  static void writeSection(Path file, String section) throws IOException {
    String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
    int start = text.indexOf(SECTION + "\n");
    String body = section.endsWith("\n") ? section : section + "\n";
    if (start < 0) {
      text = (text.endsWith("\n") ? text : text + "\n") + "\n" + body;
    } else {
      int next = text.indexOf("\n## ", start + SECTION.length());
      text = text.substring(0, start) + body + (next < 0 ? "" : text.substring(next));
    }
    Files.writeString(file, text);
  }

  static Path defaultFixture() {
    String root = System.getProperty(ModelLoader.ROOT_PROPERTY, ".");
    return Path.of(root, "runtime", "src", "test", "resources", "fixtures", "tiny-conv");
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /**
   * The cost of the optimal trajectory's dynamic programme (reference §4, O(K·N²)) at a few K: a benchmark, not a
   * timed test (it was {@code TrajectoryTest.optimalIsFast}).
   */
  static String optimalTrajectoryTimes(NoiseSchedule sched, double[] gamma) {
    StringBuilder sb = new StringBuilder("\nOptimal trajectory (dynamic programme, N = " + sched.steps() + "):");
    for (int k : new int[] {10, 100, 200, 333, 500}) {
      if (k > sched.steps()) {
        continue;
      }
      long t0 = System.nanoTime();
      dev.dpm.core.trajectory.Trajectory.optimal(sched, gamma, k);
      sb.append(String.format(java.util.Locale.ROOT, " K=%d %.0f ms;", k, (System.nanoTime() - t0) / 1e6));
    }
    return sb.append('\n').toString();
  }
}
