package dev.dpm.bench.quality;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.runtime.io.DataSets;
import java.awt.Color;
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
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The sampler table (issue 16, item 5; {@code ./dpm bench quality --table nfe}): FD and wall time against the number
 * of network evaluations per sample (NFE) for every sampler the model serves, at each target NFE. A sampler's steps
 * are chosen so that its NFE is the target, or the nearest it can reach (Heun-type samplers spend two evaluations a
 * step): the NFE of a step count is counted on a zero ε-predictor first (it does not depend on the values), and the
 * cell records the NFE actually spent. ode-rk45 is adaptive: it runs at its tolerances ({@link #RK45_TOLERANCES}) and
 * its cells give the NFE it took. Every cell samples with the same seed at each sampler's default parameters; wall
 * time is the whole cell's (sampling, not FD) on this machine, at the given batch. Results go to {@code nfe.json}
 * (resumable), {@code nfe.md} and {@code fd-vs-nfe.png}.
 */
public final class NfeTable {
  /** The saved results' file name. */
  public static final String RESULTS = "nfe.json";
  /** The report's file name. */
  public static final String MARKDOWN = "nfe.md";
  /** The plot's file name. */
  public static final String PLOT = "fd-vs-nfe.png";
  /** rtol = atol of the adaptive ode-rk45 cells. */
  public static final double[] RK45_TOLERANCES = {1e-1, 1e-2};

  private final TableSettings s;
  private final BenchModel m;
  private final FeatureExtractor features;
  private final PrintWriter log;
  private final QualityResults store;
  private final long started = System.nanoTime();
  private final ModelContext ctx;

  private NfeTable(TableSettings s, BenchModel m, FeatureExtractor features, PrintWriter log) {
    this.s = s;
    this.m = m;
    this.features = features;
    this.log = log;
    Map<String, String> fp = new LinkedHashMap<>();
    fp.put("table", "nfe");
    fp.put("model", m.spec().name());
    fp.put("sha256", String.valueOf(m.sha256()));
    fp.put("gamma", String.valueOf(m.gamma() == null ? null : Arrays.hashCode(m.gamma())));
    fp.put("seed", Long.toString(s.seed()));
    fp.put("samples", Integer.toString(s.samples()));
    fp.put("batch", Integer.toString(s.batch()));
    fp.put("data", String.valueOf(s.data().getFileName()));
    fp.put("features", features.describe());
    fp.put("bootstrap", Integer.toString(s.bootstrap()));
    this.store = new QualityResults(s.outDir().resolve(RESULTS), fp);
    this.ctx = new ModelContext(m.schedule(), m.spec().dimension(), m.spec().dataRange(), m.spec().eightBit(),
        m.gamma() == null ? null : m.gamma().clone()).withHeads(m.predictor().secondHeads());
  }

  /**
   * Runs (or resumes) the table.
   *
   * @param settings counts, target NFEs, samplers, data
   * @param model an image model (with Γ for the analytic samplers; without, they are left out)
   * @param features the feature network of FD
   * @param log progress lines
   * @return the Markdown report (also in {@code nfe.md})
   * @throws IOException if data cannot be read or results cannot be written
   */
  public static String run(TableSettings settings, BenchModel model, FeatureExtractor features, PrintWriter log)
      throws IOException {
    if (features == null) {
      throw new IllegalArgumentException("the NFE table needs a feature network (FD)");
    }
    return new NfeTable(settings, model, features, log).execute();
  }

  /** @return the samplers of the table: the settings' list, or every sampler the model can run */
  List<SamplerKind> samplers() {
    List<SamplerKind> out = new ArrayList<>();
    for (SamplerKind k : SamplerKind.values()) {
      if (!s.samplers().isEmpty() && !s.samplers().contains(k.wire())) {
        continue;
      }
      if (Samplers.create(base(k, 10), ctx) instanceof SamplerResult.Ok) {
        out.add(k);
      }
    }
    return out;
  }

  private static SamplerSettings base(SamplerKind k, int steps) {
    SamplerSettings.Builder b = SamplerSettings.builder(k);
    if (k == SamplerKind.ODE_RK45) {
      return b.optRtol(RK45_TOLERANCES[0]).optAtol(RK45_TOLERANCES[0]).build();
    }
    return b.optSteps(steps).build();
  }

  /** The column of a cell: the target NFE, or for ode-rk45 the tolerance index. */
  private List<String[]> columns(SamplerKind k) {
    List<String[]> out = new ArrayList<>(); // {key suffix, label}
    if (k == SamplerKind.ODE_RK45) {
      for (double t : RK45_TOLERANCES) {
        out.add(new String[] {"tol" + t, "tol " + t});
      }
    } else {
      for (int n : s.nfes()) {
        out.add(new String[] {Integer.toString(n), Integer.toString(n)});
      }
    }
    return out;
  }

  /**
   * The step count whose NFE is nearest the target (ties: the cheaper), counted on a zero predictor.
   *
   * @return {steps, nfe} or null when no step count is valid
   */
  int[] stepsFor(SamplerKind k, int target) {
    return stepsFor(k, target, ctx, m.spec().dimension());
  }

  /**
   * @param k a sampler (not ode-rk45)
   * @param target the NFE wanted
   * @param ctx the model context
   * @param d values per sample
   * @return {steps, nfe} of the step count whose NFE is nearest the target (ties: the cheaper), or null
   */
  static int[] stepsFor(SamplerKind k, int target, ModelContext ctx, int d) {
    int[] best = null;
    for (int steps = 1; steps <= target + 1; steps++) {
      SamplerResult r = Samplers.create(base(k, steps), ctx);
      if (!(r instanceof SamplerResult.Ok ok)) {
        continue;
      }
      int nfe = probeNfe(ok.sampler(), d);
      if (best == null || Math.abs(nfe - target) < Math.abs(best[1] - target)) {
        best = new int[] {steps, nfe};
      }
    }
    return best;
  }

  private static int probeNfe(Sampler sampler, int d) {
    long[] evals = {0};
    NoisePredictor zero = new NoisePredictor() {
      @Override
      public float[] predictEps(float[] x, double[] time, int batch) {
        return new float[batch * d];
      }

      @Override
      public int dimension() {
        return d;
      }

      @Override
      public void close() {}
    };
    Driver.sample(sampler, zero, 1, 1, 1, rows -> evals[0] += rows);
    return (int) evals[0];
  }

  private String execute() throws IOException {
    Files.createDirectories(s.outDir());
    if (!s.fresh() && store.load() > 0) {
      say("resuming from " + s.outDir().resolve(RESULTS));
    }
    DataSet test = DataSets.load(s.data(), m.spec(), 0);
    long t0 = System.nanoTime();
    FdScorer scorer = new FdScorer(features, test.rows(), m.spec().dataRange(), s.batch(), s.bootstrap());
    say(String.format(Locale.ROOT, "FD reference: %d test images (%.0f s)", test.size(),
        (System.nanoTime() - t0) / 1e9));
    List<SamplerKind> kinds = samplers();
    say("samplers: " + kinds.stream().map(SamplerKind::wire).toList());
    List<Object[]> cells = new ArrayList<>(); // {kind, column}: cheap columns first, the adaptive ode-rk45 last
    for (int ci = 0; ci < s.nfes().length; ci++) {
      for (SamplerKind k : kinds) {
        if (k != SamplerKind.ODE_RK45) {
          cells.add(new Object[] {k, ci});
        }
      }
    }
    if (kinds.contains(SamplerKind.ODE_RK45)) {
      for (int ci = 0; ci < RK45_TOLERANCES.length; ci++) {
        cells.add(new Object[] {SamplerKind.ODE_RK45, ci});
      }
    }
    for (Object[] cell : cells) {
      SamplerKind k = (SamplerKind) cell[0];
      int ci = (Integer) cell[1];
      List<String[]> cols = columns(k);
      String key = "nfe/" + k.wire() + "/" + cols.get(ci)[0];
      if (store.has(key)) {
        continue;
      }
      SamplerSettings settings;
      if (k == SamplerKind.ODE_RK45) {
        double tol = RK45_TOLERANCES[ci];
        settings = SamplerSettings.builder(k).optRtol(tol).optAtol(tol).build();
      } else {
        int[] st = stepsFor(k, s.nfes()[ci]);
        if (st == null) {
          say(key + ": no valid step count");
          continue;
        }
        settings = base(k, st[0]);
      }
      Sampler sampler = ((SamplerResult.Ok) Samplers.create(settings, ctx)).sampler();
      long t1 = System.nanoTime();
      long[] evals = {0};
      float[][] x = Driver.sample(sampler, m.predictor(), s.seed(), s.samples(), s.batch(), rows -> evals[0] += rows);
      double secs = (System.nanoTime() - t1) / 1e9;
      double[] fd = scorer.score(x, s.seed() + ci);
      String note = settings.steps() == null ? "rtol = atol = " + settings.rtol() : "steps " + settings.steps();
      store.put(key, new QualityResults.Cell(fd[0], fd[1], x.length, secs, evals[0], note));
      say(String.format(Locale.ROOT, "%-28s NFE %.1f  FD %.4g ± %.2g  %.1f s (%s)", key,
          evals[0] / (double) x.length, fd[0], fd[1], secs, note));
      write(kinds);
    }
    return write(kinds);
  }

  private String write(List<SamplerKind> kinds) throws IOException {
    plot(kinds);
    String md = markdown(kinds);
    Files.writeString(s.outDir().resolve(MARKDOWN), md);
    return md;
  }

  private String markdown(List<SamplerKind> kinds) {
    StringBuilder b = new StringBuilder();
    b.append("# FD and wall time against NFE: ").append(m.name()).append("\n\n");
    b.append("Command: `").append(s.command()).append("`  \n");
    b.append(String.format(Locale.ROOT, "Network sha256 `%s`; Γ: %s; seed %d; %d samples per cell, batch %d; FD"
        + " against the %s with %s (bootstrap SE, %d resamples); %.1f min.%n%n", m.sha256(),
        m.gamma() == null ? "none" : m.gammaSource(), s.seed(), s.samples(), s.batch(), s.data().getFileName(),
        features.describe(), s.bootstrap(), (System.nanoTime() - started) / 6e10));
    b.append("Each cell: FD ± SE, the NFE actually spent per sample, and the cell's wall time for all samples"
        + " (sampling only). ode-rk45 is adaptive: its columns are its tolerances, not target NFEs.\n\n");
    b.append("| sampler |");
    for (int n : s.nfes()) {
      b.append(" NFE ").append(n).append(" |");
    }
    b.append("\n|---|").append("---|".repeat(s.nfes().length)).append('\n');
    for (SamplerKind k : kinds) {
      if (k == SamplerKind.ODE_RK45) {
        continue; // adaptive: below the table
      }
      b.append("| ").append(k.wire()).append(" |");
      List<String[]> cols = columns(k);
      for (int ci = 0; ci < s.nfes().length; ci++) {
        QualityResults.Cell c = ci < cols.size() ? store.get("nfe/" + k.wire() + "/" + cols.get(ci)[0]) : null;
        if (c == null) {
          b.append(" – |");
          continue;
        }
        double v = c.evaluations() / (double) c.n();
        String nfe = v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
        b.append(String.format(Locale.ROOT, " %.1f ± %.1f (%s%s, %.0f s) |", c.value(), c.stdError(),
            k == SamplerKind.ODE_RK45 ? cols.get(ci)[1] + ": NFE " : "NFE ", nfe, c.seconds()));
      }
      b.append('\n');
    }
    if (kinds.contains(SamplerKind.ODE_RK45)) {
      b.append("\node-rk45 (adaptive, rtol = atol):");
      for (String[] col : columns(SamplerKind.ODE_RK45)) {
        QualityResults.Cell c = store.get("nfe/" + SamplerKind.ODE_RK45.wire() + "/" + col[0]);
        if (c != null) {
          b.append(String.format(Locale.ROOT, " %s: FD %.1f ± %.1f at NFE %.1f (%.0f s);", col[1], c.value(),
              c.stdError(), c.evaluations() / (double) c.n(), c.seconds()));
        }
      }
      b.append('\n');
    }
    return b.toString();
  }

  private void plot(List<SamplerKind> kinds) throws IOException {
    XYChart c = new XYChartBuilder().width(1080).height(640).title("FD vs NFE: " + m.name() + " (" + s.samples()
        + " samples per point)").xAxisTitle("NFE per sample (log scale)").yAxisTitle("FD (lower is better)")
        .build();
    c.getStyler().setXAxisLogarithmic(true);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setMarkerSize(7);
    boolean any = false;
    int i = 0;
    for (SamplerKind k : kinds) {
      List<double[]> pts = new ArrayList<>();
      for (String[] col : columns(k)) {
        QualityResults.Cell cell = store.get("nfe/" + k.wire() + "/" + col[0]);
        if (cell != null && cell.value() > 0) {
          pts.add(new double[] {cell.evaluations() / (double) cell.n(), cell.value()});
        }
      }
      if (pts.isEmpty()) {
        i++;
        continue;
      }
      pts.sort((a, b) -> Double.compare(a[0], b[0]));
      double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
      double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
      XYSeries xs = c.addSeries(k.wire(), x, y);
      Color col = Color.getHSBColor((i * 0.618034f) % 1f, 0.75f, i % 2 == 0 ? 0.8f : 0.55f);
      xs.setLineColor(col);
      xs.setMarkerColor(col);
      xs.setMarker(SeriesMarkers.CIRCLE);
      any = true;
      i++;
    }
    if (any) {
      SampleGrid.save(BitmapEncoder.getBufferedImage(c), s.outDir().resolve(PLOT));
    }
  }

  private void say(String line) {
    log.println("bench quality (nfe): " + line);
    log.flush();
  }
}
