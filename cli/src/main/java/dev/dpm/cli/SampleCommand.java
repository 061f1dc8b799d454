package dev.dpm.cli;

import dev.dpm.runtime.image.ImageGrid;
import dev.dpm.runtime.image.ScatterPlot;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.io.NumericArray;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.model.Condition;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplingProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm sample}: generates N samples and writes them as float32 {@code .npy} [N, …shape]
 * (or a PNG grid for image models), then prints a JSON summary. Sample i uses noise stream i of
 * the seed, so the bytes depend only on (model, sampler settings, seed, i) — not on {@code --batch}
 * nor on N.
 */
@Command(name = "sample", mixinStandardHelpOptions = true,
    description = "Generate samples; write .npy (or a PNG grid for image models); print a JSON summary.")
public final class SampleCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Mixin
  SamplerOptions sampler;

  @Option(names = "--n", required = true, paramLabel = "N", description = "Number of samples.")
  int n;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "Noise seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", required = true, paramLabel = "FILE",
      description = "Output: FILE.npy, or FILE.png (a grid for image models, a scatter plot for 2-D models).")
  Path out;

  @Option(names = "--scale", defaultValue = "1", paramLabel = "S",
      description = "PNG only: draw each pixel as S × S pixels (default: ${DEFAULT-VALUE}).")
  int scale;

  @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
      description = "Samples per network evaluation (default: ${DEFAULT-VALUE}); does not change the samples.")
  int batch;

  @Option(names = "--latents", paramLabel = "FILE.npy",
      description = "Start from these x_T, float [N, …shape], instead of drawn noise.")
  Path latents;

  @Option(names = "--label", paramLabel = "CLASS",
      description = "Class of every sample (class-conditional models): an index or a name, e.g. 7 or sneaker.")
  String label;

  @Option(names = "--labels", split = ",", paramLabel = "CLASS",
      description = "One class per sample, comma-separated (instead of --label).")
  List<String> labels;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() throws IOException {
    if (n < 1) {
      throw new UsageError("--n must be at least 1, got " + n);
    }
    if (batch < 1) {
      throw new UsageError("--batch must be at least 1, got " + batch);
    }
    String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean png = name.endsWith(".png");
    if (!png && !name.endsWith(".npy")) {
      throw new UsageError("--out must end in .npy or .png, got " + out);
    }
    ModelSpec ms = model.spec();
    if ((long) n * ms.dimension() > Integer.MAX_VALUE - 8) {
      throw new UsageError("--n: " + n + " samples of " + ms.dimension() + " values do not fit in one file; use a smaller --n");
    }
    boolean points = ms.sampleShape().length == 1 && ms.sampleShape()[0] == 2;
    if (png && !ms.isImage() && !points) {
      throw new UsageError("--out: a PNG needs an image model (a grid) or a 2-D model (a scatter plot); " + ms.name()
          + " has sample shape " + Arrays.toString(ms.sampleShape()) + ", write .npy instead");
    }
    if (scale < 1 || scale > 64) {
      throw new UsageError("--scale must be between 1 and 64, got " + scale);
    }
    if (scale != 1 && !png) {
      throw new UsageError("--scale applies to PNG output only (--out FILE.png)");
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent == null || !java.nio.file.Files.isDirectory(parent)) {
      throw new UsageError("--out: folder " + parent + " does not exist");
    }
    Condition[] conds = Labels.conditions(ms, label, labels, n, sampler.settings().guidance());
    String headsProblem = dev.dpm.core.sampler.GuidedContexts.secondHeadsProblem(sampler.settings());
    if (conds != null && headsProblem != null) {
      throw new UsageError("--guidance: " + headsProblem);
    }
    // bad settings fail here, before the network loads
    Sampler s = conds == null ? sampler.create(ms) : sampler.create(ms, conds[0].label(), Labels.oneLabel(conds));
    float[] start = latents == null ? null : readLatents(latents, ms, n);
    long t0 = System.nanoTime();
    try (LoadedModel lm = model.load()) {
      int d = ms.dimension();
      double loadSeconds = (System.nanoTime() - t0) / 1e9;

      NoiseSource noise = new NoiseSource(seed);
      float[] all = new float[Math.multiplyExact(n, d)]; // [N, d]
      long[] evals = {0, 0}; // rows evaluated, network calls
      long nfeSum = 0;
      int nfeMax = 0;
      long t1 = System.nanoTime();
      int perSample = s.start(noise.stream(0)).totalSteps();
      try (Progress bar = Progress.start("sample", (long) n * perSample, "evals", progress)) {
        for (int from = 0; from < n; from += batch) {
          int to = Math.min(n, from + batch);
          List<SamplingProcess> procs = new ArrayList<>(to - from);
          for (int i = from; i < to; i++) {
            procs.add(start == null ? s.start(noise.stream(i))
                : s.start(noise.stream(i), Arrays.copyOfRange(start, i * d, (i + 1) * d)));
          }
          Driver.run(procs, conds == null ? null : Arrays.copyOfRange(conds, from, to), lm.predictor(), batch, rows -> {
            evals[0] += rows;
            evals[1]++;
            bar.stepBy(rows);
          });
          for (int i = from; i < to; i++) {
            SamplingProcess p = procs.get(i - from);
            System.arraycopy(p.sample(), 0, all, i * d, d);
            nfeSum += p.nfe();
            nfeMax = Math.max(nfeMax, p.nfe());
          }
        }
      }
      double seconds = (System.nanoTime() - t1) / 1e9;
      int[] shape = new int[ms.sampleShape().length + 1];
      shape[0] = n;
      System.arraycopy(ms.sampleShape(), 0, shape, 1, shape.length - 1);
      if (png && points) {
        ImageGrid.writePng(out, ScatterPlot.render(all, n, ScatterPlot.SIZE * scale));
      } else if (png) {
        ImageGrid.write(out, all, n, ms.sampleShape(), ms.dataRange(), scale);
      } else {
        Npy.writeFloat32(out, all, shape);
      }
      ObjectNode root = Json.object();
      root.put("model", ms.name());
      root.set("sampler", Json.map(s.settings().toMap()));
      root.put("n", n);
      Labels.describe(root, conds);
      root.set("shape", Json.array(shape));
      root.put("seed", seed);
      root.put("out", out.toString());
      root.put("format", png ? "png" : "npy");
      if (nfeSum == (long) nfeMax * n) {
        root.put("nfe", nfeMax);
      } else {
        root.put("nfe", (double) nfeSum / n);
        root.put("nfeMax", nfeMax);
      }
      root.put("evaluations", evals[0]);
      root.put("networkCalls", evals[1]);
      root.put("batch", batch);
      root.put("seconds", round(seconds));
      root.put("samplesPerSecond", round(n / Math.max(seconds, 1e-9)));
      root.put("loadSeconds", round(loadSeconds));
      Json.print(spec.commandLine().getOut(), root);
    }
    return 0;
  }

  /** Reads --latents: float rows [N, …shape] (or [N, d]) with exactly N rows. */
  static float[] readLatents(Path file, ModelSpec ms, int n) {
    NumericArray a;
    try {
      a = Npy.read(file);
    } catch (IOException e) {
      throw new UsageError("--latents: " + e.getMessage(), e);
    }
    int d = ms.dimension();
    if (a.rank() < 1 || a.dim(0) != n || a.size() != (long) n * d) {
      throw new UsageError("--latents: " + file + " has shape " + Arrays.toString(a.shape()) + ", expected "
          + n + " rows of " + Arrays.toString(ms.sampleShape()));
    }
    float[] v = a.toFloat32();
    for (float x : v) {
      if (!Float.isFinite(x)) {
        throw new UsageError("--latents: " + file + " holds non-finite values");
      }
    }
    return v;
  }

  static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }
}
