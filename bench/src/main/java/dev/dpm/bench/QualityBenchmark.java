package dev.dpm.bench;

import dev.dpm.core.data.DataSet;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.bench.metrics.FeatureStats;
import dev.dpm.bench.metrics.FrechetDistance;
import dev.dpm.bench.metrics.Mmd;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.trajectory.TrajectoryKind;
import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.FeatureExtractor;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualityCharts;
import dev.dpm.bench.quality.QualityReport;
import dev.dpm.bench.quality.QualitySettings;
import dev.dpm.bench.quality.QualityResults;
import dev.dpm.bench.quality.SampleGrid;
import dev.dpm.bench.quality.SharedBound;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The quality benchmark of issue 6 ({@code ./dpm bench quality}): the Analytic-DPM paper's Tables 1
 * and 2 on one model.
 *
 * <ul>
 *   <li><b>Likelihood</b>: the variational bound (bits/dim with the discretised decoder for 8-bit
 *       images; nats/dim with a Gaussian decoder for continuous data) of ddpm σ²=β̃, ddpm σ²=β and
 *       analytic-ddpm on the even and the optimal trajectory (the Analytic-DPM DP on Γ, used for
 *       every method) at each K, on held-out rows (test images, or fresh exact samples of the
 *       reference mixture). The three variances share their network evaluations: on each chunk of
 *       {@code batch} rows the bound is evaluated once with the network and twice replayed, the
 *       chunk's noise seed being derived from the seed and the chunk index.</li>
 *   <li><b>Sample quality</b>: FD of feature-network statistics vs the test set (image models), or
 *       MMD² against the exact reference mixture with an RBF kernel of stated width (2-D models),
 *       for ddpm (both variances), analytic-ddpm, ddim and analytic-ddim (η = 0) on the even
 *       trajectory at each K, plus baselines at a large K, plus the floor of a real held-out set of
 *       the same size. Every method samples with the same seed (common random numbers).</li>
 * </ul>
 *
 * Every cell is saved in {@code quality.json} as soon as it is done, and {@code quality.md} is
 * rewritten, so an interrupted run resumes where it stopped (same settings) and partial tables are
 * always on disk. Plots (XChart) and sample grids are written as PNGs beside them.
 */
public final class QualityBenchmark {
  /** The Markdown report's file name. */
  public static final String MARKDOWN = "quality.md";
  /** The saved results' file name. */
  public static final String RESULTS = "quality.json";
  /** Result key of the paired difference analytic-ddpm − ddpm-forward (likelihood). */
  public static final String PAIRED = dev.dpm.bench.quality.QualityReport.PAIRED;
  private static final long TEST_SALT = 0x7E57DA7AL;
  private static final long FLOOR_SALT = 0xF100F100L;

  private final QualitySettings s;
  private final BenchModel m;
  private final FeatureExtractor features;
  private final PrintWriter log;
  private final QualityResults store;
  private final NoiseSchedule sched;
  private final ModelSpec spec;
  private final boolean image;
  private ProgressBar bar;
  private String units = "bits/dim"; // of the bound: bits/dim (discretised decoder) or nats/dim (Gaussian)
  private final long started = System.nanoTime();

  /**
   * What a run produced.
   *
   * @param markdown the report text (also in {@code quality.md})
   * @param cells every result by key
   * @param files the files written
   */
  public record Report(String markdown, Map<String, QualityResults.Cell> cells, List<Path> files) {}

  private QualityBenchmark(QualitySettings s, BenchModel m, FeatureExtractor features, PrintWriter log) {
    this.s = s;
    this.m = m;
    this.features = features;
    this.log = log;
    this.sched = m.schedule();
    this.spec = m.spec();
    this.image = spec.isImage();
    Map<String, String> fp = new LinkedHashMap<>();
    fp.put("model", spec.name());
    fp.put("sha256", String.valueOf(m.sha256()));
    fp.put("gamma", String.valueOf(m.gamma() == null ? null : Arrays.hashCode(m.gamma())));
    fp.put("seed", Long.toString(s.seed()));
    fp.put("images", Integer.toString(s.images()));
    fp.put("samples", Integer.toString(s.samples()));
    fp.put("batch", Integer.toString(s.batch()));
    fp.put("data", String.valueOf(s.data() == null ? null : s.data().getFileName()));
    fp.put("floorData", String.valueOf(s.floorData() == null ? null : s.floorData().getFileName()));
    fp.put("features", features == null ? "none" : features.describe());
    fp.put("mmdWidth", Double.toString(s.mmdWidth()));
    fp.put("bootstrap", Integer.toString(s.bootstrap()));
    fp.put("clipSigma2", String.valueOf(s.clipSigma2()));
    this.store = new QualityResults(s.outDir().resolve(RESULTS), fp);
  }

  /**
   * Runs (or resumes) the benchmark.
   *
   * @param settings what to compute
   * @param model the model (with Γ for the analytic methods and the optimal trajectory)
   * @param features the feature network for FD (image models), else null
   * @param log where per-cell lines go (stderr)
   * @return the report
   * @throws IOException if data cannot be read or results cannot be written
   * @throws IllegalArgumentException if the model, data and settings do not fit together
   */
  public static Report run(QualitySettings settings, BenchModel model, FeatureExtractor features, PrintWriter log)
      throws IOException {
    return new QualityBenchmark(settings, model, features, log).execute();
  }

  private Report execute() throws IOException {
    Files.createDirectories(s.outDir());
    if (!s.fresh()) {
      int loaded = store.load();
      if (loaded > 0) {
        say("resuming: " + loaded + " results from " + s.outDir().resolve(RESULTS));
      } else if (loaded < 0) {
        say("ignoring " + s.outDir().resolve(RESULTS) + " (made with other settings)");
      }
    }
    if (s.sampleQuality() && image && features == null) {
      throw new IllegalArgumentException("FD of an image model needs a feature network (--features)");
    }
    if (s.sampleQuality() && !image && m.reference() == null) {
      throw new IllegalArgumentException("model " + spec.name() + " has no exact reference distribution"
          + " (--reference) for MMD²");
    }
    if (!image && m.reference() == null && s.data() == null) {
      throw new IllegalArgumentException("model " + spec.name() + " needs --data or --reference for held-out rows");
    }
    say("model " + spec.name() + " (d = " + spec.dimension() + ", N = " + sched.steps() + "), Γ: "
        + (m.gamma() == null ? "none" : m.gammaSource()));
    List<Path> files = new ArrayList<>();
    DataSet test = testData();
    units = test.eightBit() && test.range().bounded() ? "bits/dim" : "nats/dim";
    long total = (s.likelihood() ? pendingLikelihoodEvals() : 0) + (s.sampleQuality() ? pendingSampleEvals() : 0);
    bar = startBar(total);
    try {
      writeReport(files);
      if (s.likelihood()) {
        likelihood(test);
        addAll(files, QualityCharts.write(s.outDir(), store, s, image ? "FD" : "MMD²", units));
        writeReport(files);
      }
      if (s.sampleQuality()) {
        sampleQuality(test, files);
      }
    } finally {
      if (bar != null) {
        bar.close();
      }
    }
    addAll(files, QualityCharts.write(s.outDir(), store, s, image ? "FD" : "MMD²", units));
    String md = writeReport(files);
    say(String.format(Locale.ROOT, "done in %.1f min; %s", (System.nanoTime() - started) / 6e10,
        s.outDir().resolve(MARKDOWN)));
    return new Report(md, store.cells(), List.copyOf(files));
  }

  // ---------------------------------------------------------------------------------- likelihood

  private void likelihood(DataSet test) throws IOException {
    DataSet rows = test.head(Math.min(s.images(), test.size()));
    Decoder decoder = rows.eightBit() && rows.range().bounded() ? Decoder.DISCRETISED_8BIT : Decoder.GAUSSIAN;
    double toUnits = decoder == Decoder.DISCRETISED_8BIT ? 1.0 : Math.log(2); // bits → nats for continuous
    if (m.reference() != null && s.data() == null && !store.has("nll/floor")) {
      store.put("nll/floor", exactEntropy(rows));
      writeReport(null);
    }
    List<Method> methods = new ArrayList<>();
    for (Method me : Method.LIKELIHOOD) {
      if (me != Method.ANALYTIC_DDPM || m.gamma() != null) {
        methods.add(me);
      }
    }
    for (TrajectoryKind tk : new TrajectoryKind[] {TrajectoryKind.EVEN, TrajectoryKind.OPTIMAL}) {
      if (tk == TrajectoryKind.OPTIMAL && m.gamma() == null) {
        say("no Γ: skipping the optimal trajectory");
        continue;
      }
      for (int k : s.nllKs()) {
        if (k > sched.steps()) {
          continue;
        }
        String prefix = "nll/" + wire(tk) + "/";
        List<Method> todo = new ArrayList<>();
        for (Method me : methods) {
          if (!store.has(prefix + me.key() + "/" + k)) {
            todo.add(me);
          }
        }
        if (todo.isEmpty()) {
          continue;
        }
        if (tk == TrajectoryKind.OPTIMAL && k == sched.steps()) {
          for (Method me : todo) { // K = N: every step, the same trajectory as even
            QualityResults.Cell even = store.get("nll/even/" + me.key() + "/" + k);
            if (even != null) {
              store.put(prefix + me.key() + "/" + k, new QualityResults.Cell(even.value(), even.stdError(), even.n(),
                  0, 0, "K = N: same trajectory as even"));
            }
          }
          QualityResults.Cell pairedEven = store.get("nll/even/" + PAIRED + "/" + k);
          if (pairedEven != null) {
            store.put(prefix + PAIRED + "/" + k, pairedEven);
          }
          writeReport(null);
          continue;
        }
        Trajectory traj;
        try {
          traj = Trajectory.of(tk, sched, m.gamma(), k, null);
        } catch (IllegalArgumentException e) {
          if (tk != TrajectoryKind.OPTIMAL) {
            throw e;
          }
          // The official bad-tail rule (reference §2.7) gives up when Γ exceeds 1 early, typically a
          // Monte-Carlo Γ from too few rows. Clipping Γ to 1 is no remedy: J(1, t) = log(β̄₁α_{t|1}/β̄_t)
          // then makes the DP jump from x_t straight to x₁. Record the row as not available.
          String note = "no optimal trajectory: " + e.getMessage()
              + " (calibrate Γ with more rows, or pass --gamma)";
          for (Method me : todo) {
            store.put(prefix + me.key() + "/" + k, new QualityResults.Cell(Double.NaN, Double.NaN, 0, 0, 0, note));
          }
          store.put(prefix + PAIRED + "/" + k, new QualityResults.Cell(Double.NaN, Double.NaN, 0, 0, 0, note));
          say("nll optimal K=" + k + ": " + note);
          writeReport(null);
          continue;
        }
        long t0 = System.nanoTime();
        SharedBound.Result r = SharedBound.evaluate(m.predictor(), sched, rows, traj, todo, m.gamma(), decoder,
            s.seed(), s.batch(), this::step);
        double secs = (System.nanoTime() - t0) / 1e9;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "nll %-7s K=%-4d", wire(tk), k));
        for (int i = 0; i < todo.size(); i++) {
          BoundResult b = r.results().get(i);
          Method me = todo.get(i);
          store.put(prefix + me.key() + "/" + k, new QualityResults.Cell(b.bitsPerDim() * toUnits,
              b.stdError() * toUnits, b.n(), secs, i == 0 ? r.evaluations() : 0, null));
          line.append(String.format(Locale.ROOT, "  %s %.4f±%.4f", me.key(), b.bitsPerDim() * toUnits,
              b.stdError() * toUnits));
        }
        int fi = todo.indexOf(Method.DDPM_FORWARD);
        int ai = todo.indexOf(Method.ANALYTIC_DDPM);
        if (fi >= 0 && ai >= 0) { // same rows, same x_t: the paired difference is much tighter
          QualityResults.Cell diff = pairedDifference(r.results().get(ai).perRowBitsPerDim(),
              r.results().get(fi).perRowBitsPerDim(), toUnits);
          store.put(prefix + PAIRED + "/" + k, diff);
          line.append(String.format(Locale.ROOT, "  analytic−forward %.4f±%.4f", diff.value(), diff.stdError()));
        }
        say(line + String.format(Locale.ROOT, "  (%.0f s)", secs));
        writeReport(null);
      }
    }
  }

  /** Mean and SE over rows of a − b, scaled. */
  private static QualityResults.Cell pairedDifference(double[] a, double[] b, double scale) {
    int n = a.length;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double v = (a[i] - b[i]) * scale;
      sum += v;
      sumSq += v * v;
    }
    double mean = sum / n;
    double se = n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1)) / n) : Double.NaN;
    return new QualityResults.Cell(mean, se, n, 0, 0, "paired over rows");
  }

  /** −(1/d) log p₀(x) under the exact mixture, mean and SE over the rows (nats/dim). */
  private QualityResults.Cell exactEntropy(DataSet rows) {
    GaussianMixturePredictor exact = new GaussianMixturePredictor(m.reference(), sched);
    int n = rows.size();
    int d = rows.dimension();
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double v = -exact.logDensity(rows.row(i), 0) / d;
      sum += v;
      sumSq += v * v;
    }
    double mean = sum / n;
    double se = Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1)) / n);
    return new QualityResults.Cell(mean, se, n, 0, 0, "exact −log p₀(x)/d of the held-out rows under "
        + m.referenceName());
  }

  // ------------------------------------------------------------------------------ sample quality

  private void sampleQuality(DataSet test, List<Path> files) throws IOException {
    ModelContext ctx = new ModelContext(sched, spec.dimension(), spec.dataRange(), spec.eightBit(),
        m.gamma() == null ? null : m.gamma().clone());
    FeatureStats reference = null;
    if (image) {
      long t0 = System.nanoTime();
      reference = FeatureStats.of(features.features(test.rows(), s.batch()), test.size(), features.featureDim());
      say(String.format(Locale.ROOT, "FD reference: %d test images (%.0f s)", test.size(),
          (System.nanoTime() - t0) / 1e9));
    }
    if (!store.has("sample/floor")) {
      QualityResults.Cell floor = floor(reference);
      if (floor != null) {
        store.put("sample/floor", floor);
        say(String.format(Locale.ROOT, "floor (real held-out set of %d): %.5g ± %.2g", floor.n(), floor.value(),
            floor.stdError()));
      }
    }
    List<int[]> cells = new ArrayList<>(); // {methodOrdinal, K}
    for (int k : s.sampleKs()) {
      for (Method me : Method.values()) {
        cells.add(new int[] {me.ordinal(), k});
      }
    }
    if (s.baselineK() > 0) {
      for (Method me : s.baselines()) {
        if (Arrays.stream(s.sampleKs()).noneMatch(k -> k == s.baselineK())) {
          cells.add(new int[] {me.ordinal(), s.baselineK()});
        }
      }
    }
    Map<Method, float[][]> scatter = new LinkedHashMap<>();
    int scatterK = -1;
    for (int[] c : cells) {
      Method me = Method.values()[c[0]];
      int k = c[1];
      if (k != scatterK) {
        flushScatter(scatter, scatterK, files);
        scatterK = k;
      }
      String key = "sample/" + me.key() + "/" + k;
      boolean wantGrid = Arrays.stream(s.gridKs()).anyMatch(g -> g == k);
      if (store.has(key) || k > sched.steps()) {
        continue;
      }
      if (me.settings(k, TrajectoryKind.EVEN, s.clipSigma2()).kind().needsGamma() && m.gamma() == null) {
        continue;
      }
      SamplerResult sr = Samplers.create(me.settings(k, TrajectoryKind.EVEN, s.clipSigma2()), ctx);
      if (sr instanceof SamplerResult.Invalid inv) {
        say(key + ": " + inv.problems());
        continue;
      }
      Sampler sampler = ((SamplerResult.Ok) sr).sampler();
      long t0 = System.nanoTime();
      long[] evals = {0};
      float[][] x = Driver.sample(sampler, m.predictor(), s.seed(), s.samples(), s.batch(), rows -> {
        evals[0] += rows;
        step(rows);
      });
      QualityResults.Cell cell;
      if (image) {
        dev.dpm.bench.quality.FdScorer.quantise(x, spec.dataRange());
        float[] f = features.features(x, s.batch());
        FeatureStats st = FeatureStats.of(f, x.length, features.featureDim());
        double fd = FrechetDistance.distance(st, reference);
        double se = FrechetDistance.bootstrapStdError(f, x.length, features.featureDim(), reference,
            s.bootstrap(), s.seed() + k);
        cell = new QualityResults.Cell(fd, se, x.length, (System.nanoTime() - t0) / 1e9, evals[0], null);
        if (wantGrid) {
          Path g = s.outDir().resolve("samples-" + me.key() + "-k" + k + ".png");
          SampleGrid.write(g, x, Math.min(s.gridCount(), x.length), spec.sampleShape(), spec.dataRange());
          files.add(g);
        }
      } else {
        Mmd.Estimate e = Mmd.againstMixture(x, m.reference(), s.mmdWidth());
        cell = new QualityResults.Cell(e.value(), e.stdError(), x.length, (System.nanoTime() - t0) / 1e9, evals[0],
            null);
        if (wantGrid) {
          scatter.put(me, x);
        }
      }
      store.put(key, cell);
      say(String.format(Locale.ROOT, "%-28s %s %.5g ± %.2g  (%.0f s)", key, image ? "FD" : "MMD²", cell.value(),
          cell.stdError(), cell.seconds()));
      writeReport(null);
    }
    flushScatter(scatter, scatterK, files);
  }

  private void flushScatter(Map<Method, float[][]> scatter, int k, List<Path> files) throws IOException {
    if (!scatter.isEmpty() && !image) {
      float[][] exact = GaussianMixturePredictor.sampleData(m.reference(), s.seed() ^ FLOOR_SALT,
          Math.min(s.samples(), 2000));
      Path p = s.outDir().resolve("samples-k" + k + ".png");
      QualityCharts.scatterTile(p, scatter, exact, k, m.referenceName());
      files.add(p);
    }
    scatter.clear();
  }

  /** The same-size real held-out set against the reference: the best a sampler can hope for. */
  private QualityResults.Cell floor(FeatureStats reference) throws IOException {
    long t0 = System.nanoTime();
    if (image) {
      if (s.floorData() == null) {
        say("no --floor-data: the FD floor is not computed");
        return null;
      }
      DataSet real = DataSets.load(s.floorData(), spec, s.samples());
      float[] f = features.features(real.rows(), s.batch());
      FeatureStats st = FeatureStats.of(f, real.size(), features.featureDim());
      return new QualityResults.Cell(FrechetDistance.distance(st, reference),
          FrechetDistance.bootstrapStdError(f, real.size(), features.featureDim(), reference, s.bootstrap(), s.seed()),
          real.size(), (System.nanoTime() - t0) / 1e9, 0, s.floorData().getFileName() + ", first " + real.size());
    }
    float[][] exact = GaussianMixturePredictor.sampleData(m.reference(), s.seed() ^ FLOOR_SALT, s.samples());
    Mmd.Estimate e = Mmd.againstMixture(exact, m.reference(), s.mmdWidth());
    return new QualityResults.Cell(e.value(), e.stdError(), exact.length, (System.nanoTime() - t0) / 1e9, 0,
        "exact samples of " + m.referenceName());
  }

  // -------------------------------------------------------------------------------------- helpers

  private DataSet testData() throws IOException {
    if (s.data() != null) {
      return DataSets.load(s.data(), spec, 0);
    }
    if (m.reference() == null) {
      throw new IllegalArgumentException("model " + spec.name() + " needs --data (held-out test rows)");
    }
    int n = Math.max(s.images(), 2);
    float[][] rows = GaussianMixturePredictor.sampleData(m.reference(), s.seed() ^ TEST_SALT, n);
    return DataSet.ofRows(rows, spec.sampleShape(), spec.dataRange(), "exact samples of " + m.referenceName());
  }

  private long pendingLikelihoodEvals() {
    long total = 0;
    for (int k : s.nllKs()) {
      if (k > sched.steps()) {
        continue;
      }
      if (!store.has("nll/even/" + Method.DDPM_POSTERIOR.key() + "/" + k)) {
        total += (long) s.images() * k;
      }
      if (m.gamma() != null && k < sched.steps() && !store.has("nll/optimal/" + Method.DDPM_POSTERIOR.key() + "/" + k)) {
        total += (long) s.images() * k;
      }
    }
    return total;
  }

  private long pendingSampleEvals() {
    long total = 0;
    for (int k : s.sampleKs()) {
      for (Method me : Method.values()) {
        if (!store.has("sample/" + me.key() + "/" + k) && k <= sched.steps()) {
          total += (long) s.samples() * k;
        }
      }
    }
    if (s.baselineK() > 0 && s.baselineK() <= sched.steps()) {
      for (Method me : s.baselines()) {
        if (!store.has("sample/" + me.key() + "/" + s.baselineK())) {
          total += (long) s.samples() * s.baselineK();
        }
      }
    }
    return total;
  }

  private ProgressBar startBar(long total) {
    boolean on = s.progress() != null ? s.progress() : "1".equals(System.getProperty("dpm.stderrTty"));
    if (!on || total == 0) {
      return null;
    }
    return new ProgressBarBuilder().setTaskName("bench quality").setInitialMax(total).setUnit(" evals", 1)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).showSpeed()
        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
  }

  private void step(long rows) {
    if (bar != null) {
      bar.stepBy(rows);
    }
  }

  private void say(String line) {
    log.println("bench quality: " + line);
    log.flush();
  }


  private String writeReport(List<Path> files) throws IOException {
    String md = QualityReport.markdown(s, m, store, features == null ? null : features.describe(), units,
        image ? "FD" : "MMD²", (System.nanoTime() - started) / 1e9, files);
    Path p = s.outDir().resolve(MARKDOWN);
    Path tmp = p.resolveSibling(MARKDOWN + ".tmp");
    Files.writeString(tmp, md);
    Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return md;
  }

  private static void addAll(List<Path> files, List<Path> more) {
    for (Path p : more) {
      if (!files.contains(p)) {
        files.add(p);
      }
    }
  }

  private static String wire(TrajectoryKind k) {
    return k.name().toLowerCase(Locale.ROOT);
  }
}
