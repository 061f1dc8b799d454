package dev.dpm.cli;

import dev.dpm.runtime.model.GammaJson;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.data.DataSet;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.moments.Provenance;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm calibrate}: estimates the model's Γ^eps[0..N] = E‖ε_θ(x_n, n)‖²/d by Monte Carlo
 * ({@link Moments#estimate}) and writes it beside the model ({@code gamma.json}, with provenance).
 * Data: {@code --data} (npy or IDX), or for oracle models exact samples of the mixture. For a
 * single isotropic Gaussian, {@code --exact} writes the closed form instead.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = "Estimate the model's Γ moments and write its gamma.json.")
public final class CalibrateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Option(names = "--samples", paramLabel = "COUNT",
      description = "Data rows M averaged at every step (cost: M·N network evaluations).")
  Integer samples;

  @Option(names = "--data", paramLabel = "PATH",
      description = ".npy (uint8, or float in the model's range) or IDX (.gz) data; oracle models draw exact samples when left out.")
  Path data;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "Noise seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--batch", defaultValue = "256", paramLabel = "B", description = "Rows per network evaluation (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--rows-per-step", paramLabel = "m",
      description = "Average m of the M rows at each step, rotating so every row is used equally (cost m·N instead of"
          + " M·N; default: all M).")
  Integer rowsPerStep;

  @Option(names = "--control-variate",
      description = "Use ‖ε‖²/d of the noise that made x_n (mean exactly 1) as a control variate: same Γ, far smaller"
          + " standard error where ε_θ ≈ ε (large n).")
  boolean controlVariate;

  @Option(names = "--guidance", split = ",", paramLabel = "W",
      description = "Estimate the Γ of the guided predictor (class-conditional models) on this grid of w, e.g."
          + " 0,1,2,3,5, and write gamma-guided.json (interpolated in w by analytic-ddpm/analytic-ddim with --guidance).")
  double[] guidance;

  @Option(names = "--per-label",
      description = "With --guidance: one Γ per label (default: pooled over labels, weighted by class counts).")
  boolean perLabel;

  @Option(names = "--with-unconditional",
      description = "With --guidance (a pooled grid holding 0): also write the w = 0 slice, Γ of ε(x, ∅), as the"
          + " model's gamma.json, for unguided analytic samplers; no extra network evaluations.")
  boolean withUnconditional;

  @Option(names = "--data-labels", paramLabel = "PATH",
      description = "With --guidance and --data: the class of each data row (IDX or npy).")
  Path dataLabels;

  @Option(names = "--exact", description = "Write the closed form (single isotropic Gaussian oracles only).")
  boolean exact;

  @Option(names = "--out", paramLabel = "FILE", description = "Where to write Γ (default: the model's gamma.json).")
  Path out;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() throws IOException {
    ModelSpec ms = model.spec();
    if (guidance != null) {
      return guided(ms);
    }
    if (perLabel || dataLabels != null) {
      throw new UsageError("--per-label and --data-labels go with --guidance");
    }
    Path target = out != null ? out : ms.gammaPath();
    long t0 = System.nanoTime();
    Gamma gamma;
    if (exact) {
      if (samples != null || data != null || rowsPerStep != null || controlVariate) {
        throw new UsageError("--exact takes none of --samples, --data, --rows-per-step, --control-variate");
      }
      gamma = closedForm(ms);
    } else {
      gamma = estimate(ms);
    }
    GammaJson.write(gamma, target);
    double seconds = (System.nanoTime() - t0) / 1e9;

    double[] g = gamma.values();
    double[] se = gamma.stdError();
    int n = g.length - 1;
    ObjectNode root = Json.object();
    root.put("model", ms.name());
    root.put("file", target.toString());
    root.put("estimator", gamma.provenance().estimator().wireName());
    root.put("data", gamma.provenance().data());
    root.put("samples", gamma.provenance().samples());
    root.put("rowsPerStep", gamma.provenance().rowsPerStep());
    root.put("seed", gamma.provenance().seed());
    ObjectNode at = root.putObject("gamma");
    for (int k : new int[] {1, 10, 100, n / 2, n}) {
      if (k >= 1 && k <= n) {
        at.put(Integer.toString(k), g[k]);
      }
    }
    root.put("maxStdError", Arrays.stream(se).max().orElse(0));
    root.put("seconds", SampleCommand.round(seconds));
    Json.print(spec.commandLine().getOut(), root);
    return 0;
  }

  private int guided(ModelSpec ms) throws IOException {
    if (exact || samples == null || samples < 2 || batch < 1) {
      throw new UsageError("--guidance needs --samples COUNT (>= 2) and no --exact");
    }
    Path target = out != null ? out : ms.guidedGammaPath();
    Moments.Options options = new Moments.Options(rowsPerStep == null ? 0 : rowsPerStep, controlVariate);
    long t0 = System.nanoTime();
    dev.dpm.core.moments.GuidedMoments.Result r;
    try (LoadedModel lm = model.load()) {
      dev.dpm.core.data.DataSet[] classes = GuidedCalibration.classes(lm, ms, guidance, samples, data, dataLabels,
          seed);
      if (withUnconditional && (perLabel || Arrays.stream(guidance).noneMatch(w -> w == 0.0))) {
        throw new UsageError("--with-unconditional needs w = 0 in the --guidance grid and no --per-label");
      }
      try (Progress bar = Progress.start("calibrate", dev.dpm.core.moments.GuidedMoments.evaluations(classes,
          guidance, lm.schedule().steps(), options), "evals", progress)) {
        r = GuidedCalibration.estimate(lm, ms, classes, guidance, !perLabel, seed, batch, options, bar);
      }
    }
    dev.dpm.core.moments.GuidedGamma g = r.grid();
    dev.dpm.runtime.model.GuidedGammaJson.write(g, target);
    ObjectNode root = Json.object();
    root.put("model", ms.name());
    root.put("file", target.toString());
    GuidedCalibration.describe(root, g);
    if (withUnconditional) {
      GammaJson.write(r.unconditional(), ms.gammaPath());
      root.put("unconditionalFile", ms.gammaPath().toString());
    }
    root.put("seconds", SampleCommand.round((System.nanoTime() - t0) / 1e9));
    Json.print(spec.commandLine().getOut(), root);
    return 0;
  }

  private Gamma closedForm(ModelSpec ms) throws IOException {
    MixtureSpec mix = ms.mixture();
    if (ms.kind() != ModelKind.GAUSSIAN_MIXTURE || mix.weights().length != 1) {
      throw new UsageError("--exact: the closed form exists only for a single isotropic Gaussian oracle; "
          + ms.name() + " is not one (use --samples)");
    }
    NoiseSchedule sched = schedule(ms);
    double s = mix.stds()[0];
    return Moments.isotropicGaussianGamma(sched, scheduleType(ms), s * s);
  }

  private Gamma estimate(ModelSpec ms) throws IOException {
    if (samples == null) {
      throw new UsageError("--samples COUNT is required (or --exact for a single Gaussian oracle)");
    }
    if (samples < 2) {
      throw new UsageError("--samples must be at least 2, got " + samples);
    }
    if (batch < 1) {
      throw new UsageError("--batch must be at least 1, got " + batch);
    }
    int least = controlVariate ? 3 : 2;
    if (rowsPerStep != null && (rowsPerStep < least || rowsPerStep > samples)) {
      throw new UsageError("--rows-per-step must be in [" + least + ", --samples=" + samples + "], got " + rowsPerStep);
    }
    Moments.Options options = new Moments.Options(rowsPerStep == null ? 0 : rowsPerStep, controlVariate);
    try (LoadedModel lm = model.load()) {
      DataSet rows;
      if (data != null) {
        try {
          rows = DataSets.load(data, ms, samples);
        } catch (IOException e) {
          throw new UsageError("--data: " + e.getMessage(), e);
        }
        if (rows.size() < samples) {
          throw new UsageError("--data: " + data + " has only " + rows.size() + " rows, --samples asks for " + samples);
        }
      } else if (ms.kind() == ModelKind.GAUSSIAN_MIXTURE) {
        // Exact data with a seed of their own: the estimator's noise uses streams of `seed`, and
        // reusing them for x₀ would correlate x₀ with the noise of the first steps.
        long dataSeed = ~seed;
        float[][] x0 = GaussianMixturePredictor.sampleData(ms.mixture(), dataSeed, samples);
        rows = DataSet.ofRows(x0, ms.sampleShape(), ms.dataRange(),
            "exact samples of " + ms.name() + " (seed " + dataSeed + ")");
      } else {
        throw new UsageError("--data PATH is required for " + ms.name() + " (only oracle models can draw exact samples)");
      }
      String sha = ms.kind() == ModelKind.TORCHSCRIPT ? ModelLoader.sha256(ms.dir().resolve(ms.file())) : null;
      NoiseSchedule sched = lm.schedule();
      long total = Moments.evaluations(samples, sched.steps(), options);
      Moments.Estimate est;
      try (Progress bar = Progress.start("calibrate", total, "evals", progress)) {
        est = Moments.estimate(lm.predictor(), sched, rows, seed, batch, options, bar::stepTo);
      }
      return est.toGamma(sched.steps(), Provenance.of(sha, est, ScheduleInfo.of(scheduleType(ms), sched)));
    }
  }

  private static NoiseSchedule schedule(ModelSpec ms) throws IOException {
    return ms.schedule().build(ms.dir());
  }

  /** @return the manifest's schedule family, e.g. "linear" */
  static String scheduleType(ModelSpec ms) {
    return ms.schedule().kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
