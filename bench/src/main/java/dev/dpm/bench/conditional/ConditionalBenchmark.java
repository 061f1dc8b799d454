package dev.dpm.bench.conditional;

import dev.dpm.bench.metrics.FeatureStats;
import dev.dpm.bench.metrics.FrechetDistance;
import dev.dpm.bench.metrics.Mmd;
import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.FeatureExtractor;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualityResults;
import dev.dpm.bench.quality.SampleGrid;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.sampler.DiscreteSampler;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.PlanStep;
import dev.dpm.core.sampler.GuidedContexts;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The conditional tables of {@code ./dpm bench quality} on a class-conditional model (issue 13, item 5).
 *
 * <ul>
 *   <li><b>Guided cells</b>, one per method, w and K: {@code perClass} samples of every class with guidance w
 *       (w = 1: the plain conditional model), the same noise for every method and w (class c's samples use
 *       stream i of a seed derived from the seed and c). Scored pooled (FD of the balanced set against the whole
 *       test set; MMD² against the equal-weight mixture for 2-D oracles) and per class (FD against the class's test
 *       images; MMD² against the component), and by class accuracy: the share of samples of class c that the
 *       classifier ({@link ClassProbe}) assigns to c. Analytic methods use the model's guided Γ at w
 *       ({@link GuidedContexts}); without a grid covering w their cells are skipped.</li>
 *   <li><b>Unconditional cells</b> (the null label), scored like the plain sample-quality table.</li>
 * </ul>
 *
 * Every cell is saved in {@code conditional.json} as it is done (analytic cells under a key naming the Γ they
 * used, so a later Γ file adds cells and keeps the plain ones) and {@code conditional.md} is rewritten, so a run
 * resumes where it stopped.
 */
public final class ConditionalBenchmark {
  /** The Markdown report's file name. */
  public static final String MARKDOWN = "conditional.md";
  /** The saved results' file name. */
  public static final String RESULTS = "conditional.json";
  private static final long CLASS_SALT = 0xC1A55L;

  /**
   * What scores samples: test images with their labels and a feature network (image models), or the exact
   * labelled mixture (2-D oracles).
   *
   * @param test test images (null for a mixture)
   * @param testLabels their classes (null for a mixture)
   * @param features the FD feature network (null for a mixture)
   * @param mixture the labelled mixture, component k = class k (null for images)
   */
  public record Judge(DataSet test, int[] testLabels, FeatureExtractor features, MixtureSpec mixture) {
    /** @return true when FD (images) is the metric */
    public boolean image() {
      return mixture == null;
    }
  }

  /**
   * What a run produced.
   *
   * @param markdown the report text
   * @param cells every result by key
   * @param files the files written
   */
  public record Report(String markdown, Map<String, QualityResults.Cell> cells, List<Path> files) {}

  private final CondSettings s;
  private final BenchModel m;
  private final ConditionalPredictor net;
  private final GuidedGamma grid;
  private final Judge judge;
  private final ClassProbe probe;
  private final PrintWriter log;
  private final QualityResults store;
  private final int classes;
  private final CondKeys keys;
  private final List<Path> files = new ArrayList<>();
  private final long started = System.nanoTime();
  private FeatureStats pooledRef;
  private FeatureStats[] classRef;

  private ConditionalBenchmark(CondSettings s, BenchModel m, GuidedGamma grid, Judge judge, ClassProbe probe,
      PrintWriter log) {
    if (!(m.predictor() instanceof ConditionalPredictor c)) {
      throw new IllegalArgumentException("model " + m.name() + " is not class-conditional");
    }
    this.s = s;
    this.m = m;
    this.net = c;
    this.grid = grid;
    this.judge = judge;
    this.probe = probe;
    this.log = log;
    this.classes = c.classCount();
    if (probe.classes() < classes) {
      throw new IllegalArgumentException("the classifier knows " + probe.classes() + " classes, the model "
          + classes);
    }
    this.keys = (grid == null ? new CondKeys(CondPlans.tag(m.gamma()), null)
        : new CondKeys(CondPlans.tag(m.gamma()), CondPlans.tag(grid)).withRange(grid.scales()[0], grid.scales()[grid.scales().length - 1]))
        .withClippedEps(s.clippedEps());
    Map<String, String> fp = new LinkedHashMap<>();
    fp.put("model", m.name());
    fp.put("sha256", String.valueOf(m.sha256()));
    fp.put("seed", Long.toString(s.seed()));
    fp.put("perClass", Integer.toString(s.perClass()));
    fp.put("unconditionalSamples", Integer.toString(s.unconditionalSamples()));
    fp.put("batch", Integer.toString(s.batch()));
    fp.put("bootstrap", Integer.toString(s.bootstrap()));
    fp.put("clipSigma2", String.valueOf(s.clipSigma2()));
    fp.put("judge", judge.image() ? judge.test().describe() + " / " + judge.features().describe()
        : "mixture, MMD width " + s.mmdWidth());
    fp.put("classifier", probe.describe());
    this.store = new QualityResults(s.outDir().resolve(RESULTS), fp);
  }

  /**
   * Runs (or resumes) the conditional tables.
   *
   * @param settings what to compute
   * @param model a class-conditional model (its Γ serves the unconditional analytic cells)
   * @param grid the model's guided Γ grid, or null (analytic guided cells are then skipped)
   * @param judge what scores samples
   * @param probe the classifier of class accuracy
   * @param log progress lines
   * @return the report
   * @throws IOException if results cannot be written
   * @throws IllegalArgumentException if the model is not class-conditional or the pieces do not fit
   */
  public static Report run(CondSettings settings, BenchModel model, GuidedGamma grid, Judge judge, ClassProbe probe,
      PrintWriter log) throws IOException {
    return new ConditionalBenchmark(settings, model, grid, judge, probe, log).execute();
  }

  private Report execute() throws IOException {
    Files.createDirectories(s.outDir());
    if (!s.fresh()) {
      int loaded = store.load();
      if (loaded != 0) {
        say(loaded > 0 ? "resuming: " + loaded + " results" : "ignoring " + RESULTS + " (made with other settings)");
      }
    }
    say("model " + m.name() + " (" + classes + " classes), Γ: " + (m.gamma() == null ? "none" : m.gammaSource())
        + ", guided Γ: " + (grid == null ? "none" : "w in " + Arrays.toString(grid.scales())
        + (grid.pooled() ? " pooled" : " per label")));
    if (judge.image() && !s.reportOnly()) {
      prepareReferences();
    }
    planClips();
    writeReport();
    for (CondSettings.UncondCell u : s.reportOnly() ? List.<CondSettings.UncondCell>of() : s.unconditional()) {
      unconditional(u.method(), u.k());
    }
    for (int k : s.reportOnly() ? new int[0] : s.ks()) {
      for (double w : s.scales()) {
        for (Method me : s.methods()) {
          guided(me, w, k);
        }
      }
    }
    for (Path p : CondCharts.write(s.outDir(), store, s, keys, classes, judge.image() ? "FD" : "MMD²")) {
      if (!files.contains(p)) {
        files.add(p);
      }
    }
    String md = writeReport();
    say(String.format(Locale.ROOT, "done in %.1f min; %s", (System.nanoTime() - started) / 6e10,
        s.outDir().resolve(MARKDOWN)));
    return new Report(md, store.cells(), List.copyOf(files));
  }

  private void prepareReferences() {
    long t0 = System.nanoTime();
    DataSet test = judge.test();
    int[] y = judge.testLabels();
    if (y.length < test.size()) {
      throw new IllegalArgumentException(y.length + " labels for " + test.size() + " test images");
    }
    FeatureExtractor fx = judge.features();
    float[] f = judge.features().features(test.rows(), s.batch());
    pooledRef = FeatureStats.of(f, test.size(), fx.featureDim());
    classRef = new FeatureStats[classes];
    for (int c = 0; c < classes; c++) {
      int cc = c;
      int[] rows = java.util.stream.IntStream.range(0, test.size()).filter(i -> y[i] == cc).toArray();
      if (rows.length < 2) {
        throw new IllegalArgumentException("class " + c + " has " + rows.length + " test images; need at least 2");
      }
      classRef[c] = FeatureStats.of(f, fx.featureDim(), rows);
    }
    say(String.format(Locale.ROOT, "FD references: %d test images, per class (%.0f s)", test.size(),
        (System.nanoTime() - t0) / 1e9));
  }

  // ------------------------------------------------------------------------------------- cells

  private void unconditional(Method me, int k) throws IOException {
    String key = keys.unconditional(me, k);
    if (key == null || store.has(key) || k > m.schedule().steps()) {
      if (key == null) {
        say("uncond " + me.key() + " K=" + k + ": skipped (no Γ)");
      }
      return;
    }
    SamplerSettings ss = clippedEps(me.settings(k, TrajectoryKind.EVEN, s.clipSigma2()));
    Sampler sampler = create(ss, baseContext(), key);
    if (sampler == null) {
      return;
    }
    if (CondKeys.needsGamma(me)) {
      store.put(key + "/clipped", new QualityResults.Cell(CondPlans.clippedSteps(sampler), Double.NaN,
          CondPlans.noisySteps(sampler), 0, 0, "noisy steps with Γ_t ≥ 1 (σ² = λ²)"));
    }
    long t0 = System.nanoTime();
    long[] rows = {0};
    float[][] x = Driver.sample(sampler, m.predictor(), s.seed(), s.unconditionalSamples(), s.batch(),
        r -> rows[0] += r);
    double[] v = judge.image() ? fd(prepare(x), pooledRef, s.seed() + k)
        : mmd(x, judge.mixture());
    store.put(key, new QualityResults.Cell(v[0], v[1], x.length, secs(t0), rows[0], null));
    say(String.format(Locale.ROOT, "%-34s %.5g ± %.2g  (%.0f s)", key, v[0], v[1], secs(t0)));
    writeReport();
  }

  /** The sampler of each class for a guided cell (the guided Γ at w for analytic methods), or null if not made. */
  private Sampler[] samplers(Method me, double w, int k, String prefix) {
    SamplerSettings ss = clippedEps(me.settings(k, TrajectoryKind.EVEN, s.clipSigma2())
        .toBuilder().optGuidance(w == 1.0 ? null : w).build()); // w = 1 is the plain conditional model
    Sampler[] out = new Sampler[classes];
    for (int c = 0; c < classes; c++) {
      ModelContext ctx;
      try {
        ctx = GuidedContexts.of(baseContext(), grid, ss, c, true);
      } catch (IllegalArgumentException e) {
        say(prefix + ": skipped (" + e.getMessage() + ")");
        return null;
      }
      out[c] = create(ss, ctx, prefix);
      if (out[c] == null) {
        return null;
      }
    }
    return out;
  }

  /** @return the settings with the run's {@code clipped-eps} for a DDIM-type method (else unchanged) */
  private SamplerSettings clippedEps(SamplerSettings ss) {
    return ss.kind().ddimType() && s.clippedEps() != null ? ss.toBuilder().optClippedEps(s.clippedEps()).build() : ss;
  }

  /** Records, for every analytic guided cell, the steps its Γ clips (no sampling: from the samplers' plans). */
  private void planClips() throws IOException {
    for (int k : s.ks()) {
      for (double w : s.scales()) {
        for (Method me : s.methods()) {
          String prefix = keys.guided(me, w, k);
          if (!CondKeys.needsGamma(me) || prefix == null || store.has(prefix + "/clipped")
              || k > m.schedule().steps()) {
            continue;
          }
          Sampler[] sm = samplers(me, w, k, prefix);
          if (sm == null) {
            continue;
          }
          double clipped = 0;
          for (Sampler x : sm) {
            clipped += CondPlans.clippedSteps(x);
          }
          store.put(prefix + "/clipped", new QualityResults.Cell(clipped / classes, Double.NaN, CondPlans.noisySteps(sm[0]), 0,
              0, "noisy steps with Γ_t ≥ 1 (σ² = λ²), mean over classes"));
        }
      }
    }
  }

  private void guided(Method me, double w, int k) throws IOException {
    String prefix = keys.guided(me, w, k);
    if (prefix == null || store.has(prefix + "/fd") || k > m.schedule().steps()) {
      if (prefix == null) {
        say("w=" + CondKeys.fmt(w) + " " + me.key() + " K=" + k + ": skipped (no guided Γ grid)");
      }
      return;
    }
    Sampler[] sm = samplers(me, w, k, prefix);
    if (sm == null) {
      return;
    }
    Method plain = CondPlans.partner(me);
    String pp = plain == null ? null : keys.guided(plain, w, k);
    if (pp != null && store.has(pp + "/fd")) {
      Sampler[] ps = samplers(plain, w, k, pp);
      if (ps != null && CondPlans.samePlans(sm, ps)) { // every noisy step clipped to λ²: the plain sampler's samples
        String note = "= " + plain.key() + ": the same σ² at every step (Γ_t ≥ 1 on every noisy step)";
        for (String suffix : cellSuffixes()) {
          QualityResults.Cell c = store.get(pp + suffix);
          if (c != null) {
            store.put(prefix + suffix, new QualityResults.Cell(c.value(), c.stdError(), c.n(), 0, 0, note));
          }
        }
        say(prefix + " " + note);
        writeReport();
        return;
      }
    }
    int n = s.perClass();
    float[][] x = new float[classes * n][];
    long t0 = System.nanoTime();
    long[] rows = {0};
    List<SamplingProcess> procs = new ArrayList<>(classes * n);
    Condition[] cond = new Condition[classes * n];
    for (int c = 0; c < classes; c++) {
      NoiseSource noise = new NoiseSource(classSeed(c));
      for (int i = 0; i < n; i++) {
        procs.add(sm[c].start(noise.stream(i)));
        cond[c * n + i] = new Condition(c, Guidance.of(w));
      }
    }
    // one run over every class: a guided sample's two network rows travel in the same evaluations
    Driver.run(procs, cond, net, s.batch(), r -> rows[0] += r);
    for (int i = 0; i < x.length; i++) {
      x[i] = procs.get(i).sample();
    }
    double secs = secs(t0);
    int[] label = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      label[i] = i / n;
    }
    if (judge.image()) {
      prepare(x);
    }
    int[] got = classify(x);
    double[] pooled = judge.image() ? fd(x, pooledRef, s.seed() + k) : mmd(x, balanced(judge.mixture()));
    store.put(prefix + "/fd", new QualityResults.Cell(pooled[0], pooled[1], x.length, secs, rows[0], null));
    int right = 0;
    StringBuilder accs = new StringBuilder();
    for (int c = 0; c < classes; c++) {
      float[][] xc = Arrays.copyOfRange(x, c * n, (c + 1) * n);
      double[] v = judge.image() ? fd(xc, classRef[c], s.seed() + k + 31L * c) : mmd(xc, component(c));
      store.put(prefix + "/fd/" + c, new QualityResults.Cell(v[0], v[1], n, 0, 0, null));
      int rc = 0;
      for (int i = c * n; i < (c + 1) * n; i++) {
        rc += got[i] == label[i] ? 1 : 0;
      }
      right += rc;
      store.put(prefix + "/acc/" + c, proportion(rc, n));
      accs.append(String.format(Locale.ROOT, " %.0f", 100.0 * rc / n));
    }
    store.put(prefix + "/acc", proportion(right, x.length));
    say(String.format(Locale.ROOT, "%-36s %s %.5g ± %.2g, accuracy %.1f %% (per class%s)  (%.0f s)", prefix,
        judge.image() ? "FD" : "MMD²", pooled[0], pooled[1], 100.0 * right / x.length, accs, secs));
    if (judge.image() && s.gridPerClass() > 0 && Arrays.stream(s.gridKs()).anyMatch(g -> g == k)) {
      int per = Math.min(s.gridPerClass(), n);
      float[][] pick = new float[classes * per][];
      for (int c = 0; c < classes; c++) {
        System.arraycopy(x, c * n, pick, c * per, per);
      }
      Path g = s.outDir().resolve("cond-" + keys.name(me, w).replace("+ceps", "-clipped-eps") + "-w" + CondKeys.fmt(w)
        + "-k" + k + ".png");
      SampleGrid.write(g, pick, pick.length, m.spec().sampleShape(), m.spec().dataRange());
      files.add(g);
    }
    writeReport();
  }

  private List<String> cellSuffixes() {
    List<String> out = new ArrayList<>(List.of("/fd", "/acc"));
    for (int c = 0; c < classes; c++) {
      out.add("/fd/" + c);
      out.add("/acc/" + c);
    }
    return out;
  }

  private Sampler create(SamplerSettings ss, ModelContext ctx, String key) {
    SamplerResult r = Samplers.create(ss, ctx);
    if (r instanceof SamplerResult.Invalid inv) {
      say(key + ": " + inv.problems());
      return null;
    }
    return ((SamplerResult.Ok) r).sampler();
  }

  private ModelContext baseContext() {
    return new ModelContext(m.schedule(), m.spec().dimension(), m.spec().dataRange(), m.spec().eightBit(),
        m.gamma() == null ? null : m.gamma().clone());
  }

  /** The seed of class c's samples: the same for every method and w. */
  long classSeed(int c) {
    return s.seed() ^ (CLASS_SALT * (c + 1));
  }

  // ----------------------------------------------------------------------------------- scoring

  private float[][] prepare(float[][] x) {
    DataRange range = m.spec().dataRange();
    if (m.spec().eightBit() && range.bounded()) { // as saving them as 8-bit images would
      double lo = range.low();
      double wd = range.high() - range.low();
      for (float[] row : x) {
        for (int j = 0; j < row.length; j++) {
          row[j] = (float) (lo + wd * Math.rint((range.clamp(row[j]) - lo) / wd * 255.0) / 255.0);
        }
      }
    }
    return x;
  }

  private double[] fd(float[][] x, FeatureStats ref, long seed) {
    int dim = judge.features().featureDim();
    float[] f = judge.features().features(x, s.batch());
    int n = x.length;
    double v = CondPlans.robustDistance(FeatureStats.of(f, n, dim), ref);
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    double sum = 0;
    double sumSq = 0;
    for (int r = 0; r < s.bootstrap(); r++) { // the bootstrap of FrechetDistance, with the robust distance
      int[] rows = new int[n];
      for (int i = 0; i < n; i++) {
        rows[i] = rng.nextInt(n);
      }
      double b = CondPlans.robustDistance(FeatureStats.of(f, dim, rows), ref);
      sum += b;
      sumSq += b * b;
    }
    double mean = sum / s.bootstrap();
    double se = Math.sqrt(Math.max(0.0, (sumSq - s.bootstrap() * mean * mean) / (s.bootstrap() - 1)));
    return new double[] {v, se};
  }

  private double[] mmd(float[][] x, MixtureSpec p) {
    Mmd.Estimate e = Mmd.againstMixture(x, p, s.mmdWidth());
    return new double[] {e.value(), e.stdError()};
  }

  private MixtureSpec component(int c) {
    MixtureSpec mx = judge.mixture();
    return new MixtureSpec(new double[] {1}, new double[][] {mx.means()[c]}, new double[] {mx.stds()[c]});
  }

  private MixtureSpec balanced(MixtureSpec mx) {
    double[] wts = new double[classes];
    Arrays.fill(wts, 1.0 / classes);
    return new MixtureSpec(wts, Arrays.copyOf(mx.means(), classes), Arrays.copyOf(mx.stds(), classes));
  }

  private static QualityResults.Cell proportion(int right, int n) {
    double p = (double) right / n;
    return new QualityResults.Cell(p, Math.sqrt(p * (1 - p) / n), n, 0, 0, null);
  }

  private int[] classify(float[][] x) {
    int d = m.spec().dimension();
    int[] out = new int[x.length];
    for (int start = 0; start < x.length; start += s.batch()) {
      int b = Math.min(s.batch(), x.length - start);
      float[] in = new float[b * d];
      for (int i = 0; i < b; i++) {
        System.arraycopy(x[start + i], 0, in, i * d, d);
      }
      System.arraycopy(probe.classify(in, b), 0, out, start, b);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------ helpers

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private void say(String line) {
    log.println("bench quality (conditional): " + line);
    log.flush();
  }

  private String writeReport() throws IOException {
    String md = CondReport.markdown(s, m, grid, keys, store, classes, classNames(),
        judge.image() ? "FD" : "MMD²", judge.image() ? judge.test().describe() + "; features "
            + judge.features().describe() : "the exact labelled mixture (RBF width " + s.mmdWidth() + ")",
        probe.describe(), (System.nanoTime() - started) / 1e9, files);
    Path p = s.outDir().resolve(MARKDOWN);
    Path tmp = p.resolveSibling(MARKDOWN + ".tmp");
    Files.writeString(tmp, md);
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return md;
  }

  private List<String> classNames() {
    List<String> names = new ArrayList<>();
    var cond = m.spec().conditioning();
    for (int c = 0; c < classes; c++) {
      names.add(cond != null && c < cond.classes().size() ? cond.classes().get(c) : Integer.toString(c));
    }
    return names;
  }
}
