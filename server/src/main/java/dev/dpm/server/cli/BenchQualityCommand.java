package dev.dpm.server.cli;

import ai.djl.Device;
import dev.dpm.core.model.ModelKind;
import dev.dpm.server.bench.QualityBenchmark;
import dev.dpm.server.bench.quality.BenchModel;
import dev.dpm.server.bench.quality.FeatureExtractor;
import dev.dpm.server.bench.quality.Method;
import dev.dpm.server.bench.quality.QualitySettings;
import dev.dpm.server.bench.quality.TorchScriptFeatures;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name (folder of the models directory).")
  String model;

  @Option(names = "--models", paramLabel = "DIR", description = "Models directory (default: $DPM_MODELS, else models/ of the project).")
  Path modelsDir;

  @Option(names = "--device", paramLabel = "cpu|gpu", defaultValue = "cpu", description = "Where networks run (default: ${DEFAULT-VALUE}).")
  String device;

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

  @Option(names = "--calibrate-rows", paramLabel = "M",
      description = "Estimate Γ here on M exact samples of the reference mixture (2-D models), replacing the model's Γ file;"
          + " oracles without a Γ file get 1000.")
  Integer calibrateRows;

  @Option(names = "--skip", split = ",", paramLabel = "nll|samples", description = "Parts to skip.")
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
    Path models = modelsDir != null ? modelsDir : defaultModelsDir();
    Device djlDevice = switch (device) {
      case "cpu" -> Device.cpu();
      case "gpu" -> Device.gpu();
      default -> throw new ParameterException(spec.commandLine(), "--device must be cpu or gpu, got " + device);
    };
    List<Method> base = new ArrayList<>();
    for (String b : baselines) {
      try {
        base.add(Method.parse(b.trim()));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--baselines: " + e.getMessage());
      }
    }
    for (String p : skip) {
      if (!p.equals("nll") && !p.equals("samples")) {
        throw new ParameterException(spec.commandLine(), "--skip takes nll and/or samples, got " + p);
      }
    }
    BenchModel bm;
    try {
      bm = BenchModel.open(models, model, djlDevice, reference);
    } catch (IOException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    FeatureExtractor fx = null;
    try {
      boolean image = bm.spec().isImage();
      if (bm.reference() != null && (calibrateRows != null
          || (bm.gamma() == null && bm.spec().kind() == ModelKind.GAUSSIAN_MIXTURE))) {
        int rows = calibrateRows != null ? calibrateRows : 1000;
        err.println("bench quality: estimating Γ on " + rows + " exact samples of " + bm.referenceName());
        err.flush();
        bm = bm.withEstimatedGamma(rows, seed + 17, batch);
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
          throw new ParameterException(spec.commandLine(), "--features: " + e.getMessage());
        }
      }
      QualitySettings s;
      try {
        s = QualitySettings.builder(out != null ? out : Path.of("bench-out", "quality-" + model))
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
      QualityBenchmark.Report r = QualityBenchmark.run(s, bm, fx, err);
      PrintWriter o = spec.commandLine().getOut();
      o.print(r.markdown());
      o.flush();
      return 0;
    } finally {
      if (fx != null) {
        fx.close();
      }
      bm.close();
    }
  }

  /**
   * Runs the command on its own (before or without the {@code ./dpm} launcher).
   *
   * @param args the arguments of {@code ./dpm bench quality}
   */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new BenchQualityCommand()).execute(args));
  }

  /** The command as typed (for the report), rebuilt from the parsed arguments. */
  private String commandLine() {
    List<String> args = spec.commandLine().getParseResult() == null ? List.of()
        : spec.commandLine().getParseResult().originalArgs();
    return "./dpm bench quality " + String.join(" ", args);
  }

  /** {@code $DPM_MODELS}, else {@code <dpm.root>/models}, else {@code ./models}. */
  static Path defaultModelsDir() {
    String env = System.getenv("DPM_MODELS");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String root = System.getProperty("dpm.root");
    return root != null && !root.isBlank() ? Path.of(root, "models") : Path.of("models");
  }
}
