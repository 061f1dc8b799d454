package dev.dpm.cli;

import dev.dpm.runtime.model.GammaJson;
import ai.djl.Device;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.core.moments.Gamma;
import dev.dpm.bench.QualityBenchmark;
import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.FeatureExtractor;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualitySettings;
import dev.dpm.bench.quality.TorchScriptFeatures;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm bench quality}: the Analytic-DPM paper's likelihood and sample-quality tables on one
 * model (issue 6). See {@link QualityBenchmark} for what is computed; this class maps options to
 * {@link QualitySettings}, opens the model (and the feature network) and prints the report.
 *
 * <p>Defaults fit the 2-core CPU: for an image model 250 test images for the bound and 500 samples
 * per FD cell; for a 2-D model 2000 and 2000. Results go to {@code --out} (default
 * {@code bench-out/quality-<model>}) and a rerun with the same settings resumes.
 */
@Command(name = "quality", mixinStandardHelpOptions = true,
    description = {"Likelihood (bits/dim) and sample quality (FD, or MMD² vs the exact distribution for 2-D models)"
        + " of ddpm, analytic-ddpm, ddim and analytic-ddim against K; writes quality.md, quality.json and PNG plots."})
public final class BenchQualityCommand implements Callable<Integer> {
  /** Debian's Fashion-MNIST test images, the default {@code --data} of image models. */
  static final String FASHION_TEST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  /** The training images beside them: the default FD floor set. */
  static final String TRAIN_NAME = "train-images-idx3-ubyte.gz";

  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions modelOptions;

  @Mixin
  ConditionalQualityOptions conditional;

  @Mixin
  QualityTables tables;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of all noise (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--images", paramLabel = "COUNT", description = "Held-out rows for the bound (default: 250 for images, 2000 for 2-D).")
  Integer images;

  @Option(names = "--samples", paramLabel = "COUNT", description = "Samples per method and K (default: 500 for images, 2000 for 2-D).")
  Integer samples;

  @Option(names = "--ks", split = ",", paramLabel = "K,...", defaultValue = "10,25,50,100,200,1000",
      description = "K values of the likelihood table (default: ${DEFAULT-VALUE}).")
  int[] ks;

  @Option(names = "--sample-ks", split = ",", paramLabel = "K,...", defaultValue = "10,25,50,100",
      description = "K values of the sample-quality table, every method (default: ${DEFAULT-VALUE}).")
  int[] sampleKs;

  @Option(names = "--baseline-k", defaultValue = "1000", paramLabel = "K",
      description = "K of the baseline column, 0 for none (default: ${DEFAULT-VALUE}).")
  int baselineK;

  @Option(names = "--baselines", split = ",", paramLabel = "M,...", defaultValue = "ddpm-posterior,ddim",
      description = "Methods run at --baseline-k (ddpm-posterior, ddpm-forward, analytic-ddpm, ddim, analytic-ddim;"
          + " default: ${DEFAULT-VALUE}).")
  List<String> baselines;

  @Option(names = "--batch", defaultValue = "64", paramLabel = "B", description = "Rows per network evaluation (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--data", paramLabel = "FILE",
      description = "Held-out test data (.npy or IDX, .gz too); default for image models: " + FASHION_TEST
          + "; 2-D models use exact samples of the reference mixture.")
  Path data;

  @Option(names = "--floor-data", paramLabel = "FILE",
      description = "Real images for the FD floor (default: " + TRAIN_NAME + " beside --data, when present).")
  Path floorData;

  @Option(names = "--features", paramLabel = "DIR", description = "Feature network folder for FD (default: <models>/fashion-features).")
  Path features;

  @Option(names = "--reference", paramLabel = "NAME",
      description = "Oracle whose mixture is the true distribution of a 2-D model (default: the model itself if it is an"
          + " oracle, else its manifest's oracle).")
  String reference;

  @Option(names = "--mmd-width", defaultValue = "0.1", paramLabel = "H", description = "RBF kernel width of MMD² (default: ${DEFAULT-VALUE}).")
  double mmdWidth;

  @Option(names = "--bootstrap", defaultValue = "50", paramLabel = "R", description = "Bootstrap resamples for FD errors (default: ${DEFAULT-VALUE}).")
  int bootstrap;

  @Option(names = "--clip-sigma2", paramLabel = "Y",
      description = "σ₂ clip y ∈ {0, 1, 2} of every sampler (default: each sampler's own, 1 for 8-bit images, else 0).")
  Integer clipSigma2;

  @Option(names = "--gamma", paramLabel = "FILE",
      description = "Γ file to use instead of the model's (e.g. the gamma-estimated.json of an earlier run).")
  Path gammaFile;

  @Option(names = "--calibrate-rows", paramLabel = "M",
      description = "Estimate Γ here on M exact samples of the reference mixture (2-D models), replacing the model's Γ file;"
          + " oracles without a Γ file get 1000.")
  Integer calibrateRows;

  @Option(names = "--skip", split = ",", paramLabel = "nll|samples|cond",
      description = "Parts to skip (cond: the conditional tables of a class-conditional model).")
  List<String> skip = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: bench-out/quality-<model>).")
  Path out;

  @Option(names = "--fresh", description = "Ignore results saved by an earlier run in --out.")
  boolean fresh;

  @Option(names = "--progress", negatable = true, description = "Show a progress bar (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (tables.selected()) { // --table extended | nfe (issue 16)
      picocli.CommandLine.ParseResult pr = spec.commandLine().getParseResult();
      return tables.run(new QualityTables.Inputs(modelOptions.modelsDir(), modelOptions.model,
          modelOptions.djlDevice(), seed, images, samples, ks, pr != null && pr.hasMatchedOption("--ks"), sampleKs,
          pr != null && pr.hasMatchedOption("--sample-ks"), batch, data, features, gammaFile, bootstrap, out, fresh,
          commandLine()), spec.commandLine().getOut(), err);
    }
    Path models = modelOptions.modelsDir();
    Device djlDevice = modelOptions.djlDevice();
    String model = modelOptions.model;
    List<Method> base = new ArrayList<>();
    for (String b : baselines) {
      try {
        base.add(Method.parse(b.trim()));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--baselines: " + e.getMessage());
      }
    }
    for (String p : skip) {
      if (!p.equals("nll") && !p.equals("samples") && !p.equals("cond")) {
        throw new ParameterException(spec.commandLine(), "--skip takes nll, samples and/or cond, got " + p);
      }
    }
    BenchModel bm;
    try {
      bm = BenchModel.open(models, model, djlDevice, reference);
    } catch (IOException e) {
      throw new UsageError(e.getMessage(), e);
    }
    FeatureExtractor fx = null;
    try {
      boolean image = bm.spec().isImage();
      Path outDir = out != null ? out : Path.of("bench-out", "quality-" + model);
      if (gammaFile != null) {
        try {
          bm = bm.withGamma(GammaJson.read(gammaFile, bm.schedule()).values(), gammaFile.toString());
        } catch (IOException e) {
          throw new UsageError("--gamma: " + e.getMessage(), e);
        }
      } else if (bm.reference() != null && (calibrateRows != null
          || (bm.gamma() == null && bm.spec().kind() == ModelKind.GAUSSIAN_MIXTURE))) {
        int rows = calibrateRows != null ? calibrateRows : 1000;
        if (rows < 2) {
          throw new UsageError("--calibrate-rows must be at least 2, got " + rows);
        }
        err.println("bench quality: estimating Γ on " + rows + " exact samples of " + bm.referenceName());
        err.flush();
        Gamma g = bm.estimateGamma(rows, seed + 17, batch);
        Files.createDirectories(outDir);
        Path saved = outDir.resolve("gamma-estimated.json");
        GammaJson.write(g, saved);
        bm = bm.withGamma(g.values(), "estimated here on " + g.provenance().data() + ", seed " + (seed + 17)
            + " (saved as " + saved.getFileName() + ")");
      } else if (bm.gamma() == null) {
        err.println("bench quality: " + model + " has no Γ (" + bm.gammaSource()
            + "); analytic methods and the optimal trajectory are skipped (run ./dpm calibrate --model " + model + ")");
      }
      Path dataFile = data;
      if (dataFile == null && image) {
        dataFile = Path.of(FASHION_TEST);
      }
      Path floor = floorData;
      if (floor == null && dataFile != null && image) {
        Path t = dataFile.toAbsolutePath().resolveSibling(TRAIN_NAME);
        floor = Files.isRegularFile(t) ? t : null;
      }
      boolean samplesOn = !skip.contains("samples");
      if (image && samplesOn) {
        Path fdir = features != null ? features : models.resolve("fashion-features");
        try {
          fx = TorchScriptFeatures.open(fdir, djlDevice);
        } catch (IOException e) {
          throw new UsageError("--features: " + e.getMessage(), e);
        }
      }
      QualitySettings s;
      try {
        s = QualitySettings.builder(outDir)
            .seed(seed)
            .images(images != null ? images : (image ? 250 : 2000))
            .samples(samples != null ? samples : (image ? 500 : 2000))
            .nllKs(ks).sampleKs(sampleKs).baselineK(baselineK).baselines(base).batch(batch)
            .data(dataFile).floorData(floor).features(fx == null ? null : features)
            .mmdWidth(mmdWidth).bootstrap(bootstrap).clipSigma2(clipSigma2)
            .likelihood(!skip.contains("nll")).sampleQuality(samplesOn)
            .fresh(fresh).command(commandLine()).progress(progress)
            .build();
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      PrintWriter o = spec.commandLine().getOut();
      if (!skip.contains("nll") || samplesOn) {
        QualityBenchmark.Report r = QualityBenchmark.run(s, bm, fx, err);
        o.print(r.markdown());
        o.flush();
      }
      if (!skip.contains("cond") && bm.predictor() instanceof dev.dpm.core.model.ConditionalPredictor) {
        o.print(conditional.run(this, bm, models, djlDevice, outDir, dataFile, commandLine(), err).markdown());
        o.flush();
      }
      return 0;
    } finally {
      if (fx != null) {
        fx.close();
      }
      bm.close();
    }
  }

  /**
   * Runs {@code dpm bench quality ARGS} with {@link Dpm}'s error handling, registering this command
   * under {@code bench} when the build does not yet (usable before the launcher lists it).
   *
   * @param args the arguments after {@code bench quality}
   */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    String[] all = new String[args.length + 2];
    all[0] = "bench";
    all[1] = "quality";
    System.arraycopy(args, 0, all, 2, args.length);
    int code = commandLine(out, err).execute(all);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * {@link Dpm#commandLine}, with {@code bench quality} registered if it is not already.
   *
   * @param out standard output
   * @param err standard error
   * @return the command line
   */
  public static picocli.CommandLine commandLine(PrintWriter out, PrintWriter err) {
    picocli.CommandLine cl = Dpm.commandLine(out, err);
    picocli.CommandLine bench = cl.getSubcommands().get("bench");
    if (!bench.getSubcommands().containsKey("quality")) {
      bench.addSubcommand("quality", new BenchQualityCommand());
      cl.setOut(out); // reach the new subcommand too
      cl.setErr(err);
    }
    return cl;
  }

  /** The command as typed (for the report), rebuilt from the parsed arguments. */
  private String commandLine() {
    List<String> args = spec.commandLine().getParseResult() == null ? List.of()
        : spec.commandLine().getParseResult().originalArgs();
    int q = args.indexOf("quality"); // originalArgs are the whole command line's
    if (q >= 0 && q + 1 <= args.size() && (q == 0 || args.get(q - 1).equals("bench"))) {
      args = args.subList(q + 1, args.size());
    }
    return "./dpm bench quality " + String.join(" ", args);
  }
}
