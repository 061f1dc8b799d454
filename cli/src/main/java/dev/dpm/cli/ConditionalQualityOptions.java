package dev.dpm.cli;

import ai.djl.Device;
import dev.dpm.bench.conditional.ClassProbe;
import dev.dpm.bench.conditional.CondSettings;
import dev.dpm.bench.conditional.ConditionalBenchmark;
import dev.dpm.bench.conditional.MixtureClassifier;
import dev.dpm.bench.conditional.TorchScriptClassifier;
import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.FeatureExtractor;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.TorchScriptFeatures;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.runtime.model.GuidedGammaJson;
import dev.dpm.runtime.model.ModelLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The conditional-table options of {@code ./dpm bench quality} (issue 13, item 5), and the run: on a
 * class-conditional model, after the plain tables, {@link ConditionalBenchmark} writes {@code conditional.md}
 * beside {@code quality.md} ({@code --skip cond} leaves it out).
 */
final class ConditionalQualityOptions {
  /** Debian's Fashion-MNIST test labels, beside the default test images. */
  static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

  @Option(names = "--guidance-sweep", split = ",", paramLabel = "W,...", defaultValue = "1,2,3",
      description = "Conditional tables: guidance scales w of the sweep (default: ${DEFAULT-VALUE}).")
  double[] scales;

  @Option(names = "--cond-ks", split = ",", paramLabel = "K,...", defaultValue = "10,25",
      description = "Conditional tables: K values of the guided cells (default: ${DEFAULT-VALUE}).")
  int[] ks;

  @Option(names = "--cond-methods", split = ",", paramLabel = "M,...",
      defaultValue = "ddpm-posterior,analytic-ddpm,ddim,analytic-ddim",
      description = "Conditional tables: methods of the guided cells (default: ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(names = "--per-class", defaultValue = "50", paramLabel = "COUNT",
      description = "Conditional tables: samples per class and guided cell (default: ${DEFAULT-VALUE}).")
  int perClass;

  @Option(names = "--uncond-cells", split = ",", paramLabel = "METHOD:K,...",
      defaultValue = "ddpm-posterior:25,analytic-ddpm:25,ddim:25,analytic-ddim:25,ddim:100,analytic-ddim:100",
      description = "Conditional tables: unconditional (null-label) cells (default: ${DEFAULT-VALUE}); none: '-'.")
  List<String> uncond;

  @Option(names = "--uncond-samples", paramLabel = "COUNT",
      description = "Conditional tables: samples per unconditional cell (default: --samples, or 500).")
  Integer uncondSamples;

  @Option(names = "--data-labels", paramLabel = "FILE",
      description = "Classes of the --data rows, IDX or npy (default: " + TEST_LABELS + " beside --data).")
  Path dataLabels;

  @Option(names = "--classifier", paramLabel = "DIR",
      description = "Network folder whose TorchScript method logits(x) gives class accuracy (default: the --features folder).")
  Path classifier;

  @Option(names = "--guided-gamma", paramLabel = "FILE",
      description = "Guided Γ grid to use instead of the model's gamma-guided.json.")
  Path guidedGamma;

  @Option(names = "--grid-per-class", defaultValue = "10", paramLabel = "COUNT",
      description = "Conditional tables: samples per class in the K = 25 sample grids (10 classes × 10: one row per class), 0 for none (default: ${DEFAULT-VALUE}).")
  int gridPerClass;

  @Option(names = "--cond-clipped-eps", negatable = true,
      description = "Conditional tables: clipped-eps of ddim and analytic-ddim in every cell (default: the sampler's, "
          + "on for w > 1); cells with it on have +ceps in their keys.")
  Boolean clippedEps;

  @Option(names = "--cond-report-only",
      description = "Conditional tables: sample nothing, rebuild conditional.md and the plots from the saved cells.")
  boolean reportOnly;

  /**
   * Runs the conditional tables.
   *
   * @param q the quality command (seed, batch, bootstrap, clip, MMD width, counts, features, fresh)
   * @param bm the model (conditional)
   * @param models the models folder
   * @param device DJL device
   * @param outDir the output folder
   * @param dataFile the test images (image models)
   * @param command the command line
   * @param err progress lines
   * @return the report
   * @throws IOException if data or results cannot be read or written
   */
  ConditionalBenchmark.Report run(BenchQualityCommand q, BenchModel bm, Path models, Device device, Path outDir,
      Path dataFile, String command, PrintWriter err) throws IOException {
    if (!(bm.predictor() instanceof ConditionalPredictor)) {
      throw new UsageError("model " + bm.name() + " is not class-conditional");
    }
    CondSettings s;
    try {
      List<Method> ms = new ArrayList<>();
      for (String m : methods) {
        ms.add(Method.parse(m.trim()));
      }
      List<CondSettings.UncondCell> cells = new ArrayList<>();
      for (String c : uncond) {
        if (!c.isBlank() && !c.trim().equals("-")) {
          cells.add(CondSettings.UncondCell.parse(c.trim()));
        }
      }
      boolean image = bm.spec().isImage();
      s = CondSettings.builder(outDir).seed(q.seed).perClass(perClass).ks(ks).scales(scales).methods(ms)
          .unconditional(cells)
          .unconditionalSamples(uncondSamples != null ? uncondSamples : q.samples != null ? q.samples
              : image ? 500 : 2000)
          .batch(q.batch).bootstrap(q.bootstrap).clipSigma2(q.clipSigma2).clippedEps(clippedEps)
          .mmdWidth(q.mmdWidth)
          .gridPerClass(gridPerClass).gridKs(25).fresh(q.fresh).command(command).reportOnly(reportOnly).build();
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage(), e);
    }
    GuidedGamma grid;
    try {
      grid = guidedGamma != null ? GuidedGammaJson.read(guidedGamma, bm.schedule())
          : ModelLoader.guidedGamma(bm.spec(), bm.schedule());
    } catch (IOException e) {
      throw new UsageError("--guided-gamma: " + e.getMessage(), e);
    }
    if (!bm.spec().isImage()) {
      if (bm.reference() == null) {
        throw new UsageError("model " + bm.name() + " has no exact labelled mixture to score its classes against");
      }
      try (MixtureClassifier probe = new MixtureClassifier(bm.reference())) {
        return ConditionalBenchmark.run(s, bm, grid,
            new ConditionalBenchmark.Judge(null, null, null, bm.reference()), probe, err);
      }
    }
    Path fdir = q.features != null ? q.features : models.resolve("fashion-features");
    Path labels = dataLabels != null ? dataLabels : dataFile.toAbsolutePath().resolveSibling(TEST_LABELS);
    if (!Files.isRegularFile(labels)) {
      throw new UsageError("--data-labels: no " + labels + " (the classes of the --data rows)");
    }
    DataSet test = DataSets.load(dataFile, bm.spec(), 0);
    float[] y = DataSets.readArray(labels).toFloat32();
    int[] yi = new int[y.length];
    for (int i = 0; i < y.length; i++) {
      yi[i] = (int) y[i];
    }
    try (FeatureExtractor fx = open(() -> TorchScriptFeatures.open(fdir, device), "--features");
        ClassProbe probe = open(() -> TorchScriptClassifier.open(classifier != null ? classifier : fdir, device),
            "--classifier")) {
      return ConditionalBenchmark.run(s, bm, grid, new ConditionalBenchmark.Judge(test, yi, fx, null), probe, err);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage(), e);
    }
  }

  private interface Opener<T> {
    T open() throws IOException;
  }

  private static <T> T open(Opener<T> o, String option) {
    try {
      return o.open();
    } catch (IOException e) {
      throw new UsageError(option + ": " + e.getMessage(), e);
    }
  }
}
