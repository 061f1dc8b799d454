package dev.dpm.bench.quality;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.trajectory.TrajectoryKind;
import dev.dpm.core.variance.ImperfectMeanCovariance;
import dev.dpm.core.variance.ReverseVariance;
import dev.dpm.runtime.io.DataSets;
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

/**
 * The extended analytic family's table (issue 16, item 2; {@code ./dpm bench quality --table extended}): on a model
 * with the SN (eps2) and NPR (epsc) heads, the variational bound (bits/dim, even trajectory) of σ² = β, Analytic,
 * NPR and SN at each K, with paired differences NPR − Analytic and SN − Analytic over the same rows and x_t, and FD
 * at each K of the DDPM-type (σ² = β, analytic-ddpm, npr-ddpm, sn-ddpm) and DDIM-type (ddim, analytic-ddim,
 * npr-ddim, sn-ddim) samplers. Unconditional rows: a class-conditional model is evaluated at its null label. The four
 * bounds share one network pass per chunk of rows ({@link HeadsReplay}); every FD cell samples with the same seed.
 * Results go to {@code extended.json} (resumable) and {@code extended.md}.
 */
public final class ExtendedFamilyTable {
  /** The saved results' file name. */
  public static final String RESULTS = "extended.json";
  /** The report's file name. */
  public static final String MARKDOWN = "extended.md";

  /** The bound's reverse variances, in table order: key, label. */
  static final String[][] BOUNDS = {{"forward", "σ²=β"}, {"analytic", "Analytic"}, {"npr", "NPR"}, {"sn", "SN"}};
  /** The FD table's samplers, in table order (ddpm with σ² = β). */
  static final SamplerKind[] SAMPLERS = {SamplerKind.DDPM, SamplerKind.ANALYTIC_DDPM, SamplerKind.NPR_DDPM,
      SamplerKind.SN_DDPM, SamplerKind.DDIM, SamplerKind.ANALYTIC_DDIM, SamplerKind.NPR_DDIM, SamplerKind.SN_DDIM};

  private final TableSettings s;
  private final BenchModel m;
  private final FeatureExtractor features;
  private final PrintWriter log;
  private final QualityResults store;
  private final NoiseSchedule sched;
  private final long started = System.nanoTime();

  private ExtendedFamilyTable(TableSettings s, BenchModel m, FeatureExtractor features, PrintWriter log) {
    this.s = s;
    this.m = m;
    this.features = features;
    this.log = log;
    this.sched = m.schedule();
    Map<String, String> fp = new LinkedHashMap<>();
    fp.put("table", "extended");
    fp.put("model", m.spec().name());
    fp.put("sha256", String.valueOf(m.sha256()));
    fp.put("gamma", String.valueOf(m.gamma() == null ? null : Arrays.hashCode(m.gamma())));
    fp.put("seed", Long.toString(s.seed()));
    fp.put("images", Integer.toString(s.images()));
    fp.put("samples", Integer.toString(s.samples()));
    fp.put("batch", Integer.toString(s.batch()));
    fp.put("data", String.valueOf(s.data().getFileName()));
    fp.put("features", features == null ? "none" : features.describe());
    fp.put("bootstrap", Integer.toString(s.bootstrap()));
    this.store = new QualityResults(s.outDir().resolve(RESULTS), fp);
  }

  /**
   * Runs (or resumes) the table.
   *
   * @param settings counts, K values, data
   * @param model the model with both heads (and Γ for the Analytic rows; without Γ they are left out)
   * @param features the feature network (null: the FD part is skipped)
   * @param log progress lines
   * @return the Markdown report (also in {@code extended.md})
   * @throws IOException if data cannot be read or results cannot be written
   * @throws IllegalArgumentException if the model lacks a head or is not an 8-bit image model
   */
  public static String run(TableSettings settings, BenchModel model, FeatureExtractor features, PrintWriter log)
      throws IOException {
    if (!model.predictor().secondHeads().containsAll(java.util.EnumSet.allOf(SecondHead.class))) {
      throw new IllegalArgumentException("model " + model.name() + " has heads " + model.predictor().secondHeads()
          + ": the extended table needs both eps2 and epsc (the manifest's outputs)");
    }
    return new ExtendedFamilyTable(settings, model, features, log).execute();
  }

  private String execute() throws IOException {
    Files.createDirectories(s.outDir());
    if (!s.fresh() && store.load() > 0) {
      say("resuming from " + s.outDir().resolve(RESULTS));
    }
    DataSet test = DataSets.load(s.data(), m.spec(), 0);
    if (!(test.eightBit() && test.range().bounded())) {
      throw new IllegalArgumentException("the extended table is for 8-bit image models (bits/dim, FD)");
    }
    say("model " + m.name() + ", Γ: " + (m.gamma() == null ? "none (Analytic rows left out)" : m.gammaSource()));
    bound(SharedBound.slice(test, 0, Math.min(s.images(), test.size())));
    write();
    if (features != null) {
      fd(test);
    }
    return write();
  }

  private List<String[]> variances() {
    List<String[]> out = new ArrayList<>();
    for (String[] b : BOUNDS) {
      if (!b[0].equals("analytic") || m.gamma() != null) {
        out.add(b);
      }
    }
    return out;
  }

  private ReverseVariance variance(String key, DataSet rows) {
    return switch (key) {
      case "forward" -> new ReverseVariance.Forward();
      case "analytic" -> new ReverseVariance.Analytic(false, 0.0, m.gamma(), rows.range());
      case "npr" -> new ReverseVariance.Imperfect(ImperfectMeanCovariance.Head.NPR, false, 0.0, rows.range());
      case "sn" -> new ReverseVariance.Imperfect(ImperfectMeanCovariance.Head.SN, false, 0.0, rows.range());
      default -> throw new IllegalArgumentException(key);
    };
  }

  private void bound(DataSet rows) throws IOException {
    List<String[]> vs = variances();
    for (int k : s.nllKs()) {
      if (k > sched.steps() || vs.stream().allMatch(v -> store.has("nll/" + v[0] + "/" + k))) {
        continue;
      }
      Trajectory traj = Trajectory.of(TrajectoryKind.EVEN, sched, m.gamma(), k, null);
      long t0 = System.nanoTime();
      int n = rows.size();
      double[][] perRow = new double[vs.size()][n];
      HeadsReplay replay = new HeadsReplay(m.predictor());
      for (int c = 0, start = 0; start < n; c++, start += s.batch()) {
        int count = Math.min(s.batch(), n - start);
        DataSet chunk = SharedBound.slice(rows, start, count);
        replay.clear();
        for (int vi = 0; vi < vs.size(); vi++) {
          if (vi > 0) {
            replay.replay();
          }
          BoundSettings bs = new BoundSettings(traj, variance(vs.get(vi)[0], rows), Decoder.DISCRETISED_8BIT,
              SharedBound.chunkSeed(s.seed(), c), s.batch());
          BoundResult r = VariationalBound.evaluate(replay, sched, chunk, bs, null);
          System.arraycopy(r.perRowBitsPerDim(), 0, perRow[vi], start, count);
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "nll K=%-4d", k));
      int analytic = -1;
      for (int vi = 0; vi < vs.size(); vi++) {
        double[] ms = meanSe(perRow[vi], null);
        store.put("nll/" + vs.get(vi)[0] + "/" + k, new QualityResults.Cell(ms[0], ms[1], n, secs,
            vi == 0 ? replay.evaluated() : 0, null));
        line.append(String.format(Locale.ROOT, "  %s %.4f±%.4f", vs.get(vi)[0], ms[0], ms[1]));
        if (vs.get(vi)[0].equals("analytic")) {
          analytic = vi;
        }
      }
      if (analytic >= 0) {
        for (int vi = 0; vi < vs.size(); vi++) {
          String key = vs.get(vi)[0];
          if (key.equals("npr") || key.equals("sn")) {
            double[] ms = meanSe(perRow[vi], perRow[analytic]);
            store.put("nll/" + key + "-analytic/" + k, new QualityResults.Cell(ms[0], ms[1], n, 0, 0,
                "paired over rows"));
            line.append(String.format(Locale.ROOT, "  %s−analytic %.4f±%.4f", key, ms[0], ms[1]));
          }
        }
      }
      say(line + String.format(Locale.ROOT, "  (%.0f s)", secs));
      write();
    }
  }

  /** Mean and SE over rows of a (− b). */
  static double[] meanSe(double[] a, double[] b) {
    int n = a.length;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double v = b == null ? a[i] : a[i] - b[i];
      sum += v;
      sumSq += v * v;
    }
    double mean = sum / n;
    double se = n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1)) / n) : Double.NaN;
    return new double[] {mean, se};
  }

  static SamplerSettings settings(SamplerKind kind, int k) {
    SamplerSettings.Builder b = SamplerSettings.builder(kind).optSteps(k);
    if (kind == SamplerKind.DDPM) {
      b.optVariance(SamplerSettings.VarianceKind.FORWARD);
    }
    return b.build();
  }

  private void fd(DataSet test) throws IOException {
    long t0 = System.nanoTime();
    FdScorer scorer = new FdScorer(features, test.rows(), m.spec().dataRange(), s.batch(), s.bootstrap());
    say(String.format(Locale.ROOT, "FD reference: %d test images (%.0f s)", test.size(),
        (System.nanoTime() - t0) / 1e9));
    ModelContext ctx = new ModelContext(sched, m.spec().dimension(), m.spec().dataRange(), m.spec().eightBit(),
        m.gamma() == null ? null : m.gamma().clone()).withHeads(m.predictor().secondHeads());
    for (int k : s.sampleKs()) {
      for (SamplerKind kind : SAMPLERS) {
        String key = "fd/" + kind.wire() + "/" + k;
        if (store.has(key) || (kind.needsGamma() && m.gamma() == null)) {
          continue;
        }
        SamplerResult sr = Samplers.create(settings(kind, k), ctx);
        if (sr instanceof SamplerResult.Invalid inv) {
          say(key + ": " + inv.problems());
          continue;
        }
        long t1 = System.nanoTime();
        long[] evals = {0};
        float[][] x = Driver.sample(((SamplerResult.Ok) sr).sampler(), m.predictor(), s.seed(), s.samples(),
            s.batch(), rows -> evals[0] += rows);
        double[] fd = scorer.score(x, s.seed() + k);
        QualityResults.Cell cell = new QualityResults.Cell(fd[0], fd[1], x.length, (System.nanoTime() - t1) / 1e9,
            evals[0], null);
        store.put(key, cell);
        say(String.format(Locale.ROOT, "%-24s FD %.4g ± %.2g  (%.0f s)", key, fd[0], fd[1], cell.seconds()));
        write();
      }
    }
  }

  private String write() throws IOException {
    String md = markdown();
    Path p = s.outDir().resolve(MARKDOWN);
    Files.writeString(p, md);
    return md;
  }

  private String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Extended analytic family: ").append(m.name()).append("\n\n");
    b.append("Command: `").append(s.command()).append("`  \n");
    b.append(String.format(Locale.ROOT, "Network sha256 `%s`; Γ: %s; seed %d; bound on the first %d test images"
        + " (even trajectory, discretised 8-bit decoder); FD on %d samples per cell against the %s (bootstrap SE, %d"
        + " resamples); %s; %.1f min.%n%n", m.sha256(), m.gamma() == null ? "none" : m.gammaSource(), s.seed(),
        s.images(), s.samples(), s.data().getFileName(), s.bootstrap(),
        features == null ? "no feature network" : features.describe(), (System.nanoTime() - started) / 6e10));
    b.append("Unconditional rows (a class-conditional model at its null label). ± is one standard error.\n\n");
    b.append("## Bits/dim (upper bound, lower is better)\n\n| σ² |");
    for (int k : s.nllKs()) {
      b.append(" K = ").append(k).append(" |");
    }
    b.append("\n|---|");
    b.append("---|".repeat(s.nllKs().length)).append('\n');
    List<String[]> rows = new ArrayList<>(variances());
    if (m.gamma() != null) {
      rows.add(new String[] {"npr-analytic", "NPR − Analytic (paired)"});
      rows.add(new String[] {"sn-analytic", "SN − Analytic (paired)"});
    }
    for (String[] v : rows) {
      b.append("| ").append(v[1]).append(" |");
      for (int k : s.nllKs()) {
        b.append(' ').append(cell(store.get("nll/" + v[0] + "/" + k), "%.3f", "%.3f")).append(" |");
      }
      b.append('\n');
    }
    b.append("\n## FD (lower is better)\n\n| sampler |");
    for (int k : s.sampleKs()) {
      b.append(" K = ").append(k).append(" |");
    }
    b.append("\n|---|").append("---|".repeat(s.sampleKs().length)).append('\n');
    for (SamplerKind kind : SAMPLERS) {
      b.append("| ").append(kind == SamplerKind.DDPM ? "ddpm σ²=β" : kind.wire()).append(" |");
      for (int k : s.sampleKs()) {
        b.append(' ').append(cell(store.get("fd/" + kind.wire() + "/" + k), "%.2f", "%.2f")).append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static String cell(QualityResults.Cell c, String vf, String ef) {
    if (c == null || !Double.isFinite(c.value())) {
      return "–";
    }
    return String.format(Locale.ROOT, vf + " ± " + ef, c.value(), c.stdError());
  }

  private void say(String line) {
    log.println("bench quality (extended): " + line);
    log.flush();
  }
}
