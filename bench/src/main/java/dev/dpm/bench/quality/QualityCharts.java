package dev.dpm.bench.quality;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The benchmark's PNG plots (XChart): quality vs K on a logarithmic K axis, one line per method
 * (and trajectory), error bars of ±1 standard error where the value axis is linear, the real-data
 * floor as a dashed line; and, for 2-D models, scatter plots of the samples next to exact ones.
 */
public final class QualityCharts {
  /** File name of the likelihood plot. */
  public static final String LIKELIHOOD_PNG = "nll-vs-k.png";
  /** One colour per {@link Method}, by ordinal. */
  private static final Color[] COLORS = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(148, 103, 189),
    new Color(214, 39, 40)};

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private QualityCharts() {}

  /**
   * Writes the plots for which results exist.
   *
   * @param outDir the folder
   * @param store the results
   * @param s the settings (K values)
   * @param metric "FD" or "MMD²"
   * @param units units of the bound
   * @return the files written
   * @throws IOException if a file cannot be written
   */
  public static List<Path> write(Path outDir, QualityResults store, QualitySettings s, String metric, String units)
      throws IOException {
    List<Path> files = new ArrayList<>();
    if (s.likelihood()) {
      String title = "Variational bound vs K (held-out rows)";
      boolean any = false;
      double othersMin = Double.POSITIVE_INFINITY;
      double othersMax = Double.NEGATIVE_INFINITY;
      double postMax = Double.NEGATIVE_INFINITY;
      for (String traj : new String[] {"even", "optimal"}) {
        for (Method m : Method.LIKELIHOOD) {
          Series se = series(store, "nll/" + traj + "/" + m.key() + "/", s.nllKs());
          any |= se.x.length > 0;
          for (double v : se.y) {
            if (m == Method.DDPM_POSTERIOR) {
              postMax = Math.max(postMax, v);
            } else {
              othersMin = Math.min(othersMin, v);
              othersMax = Math.max(othersMax, v);
            }
          }
        }
      }
      QualityResults.Cell floor = store.get("nll/floor");
      if (floor != null) {
        othersMin = Math.min(othersMin, floor.value());
      }
      double range = othersMax - othersMin;
      boolean cut = Double.isFinite(range) && range > 0 && postMax > othersMax + 3 * range;
      if (cut) {
        title += ": DDPM σ²=β̃ leaves the top at small K";
      }
      XYChart c = chart(title, "NLL bound (" + units + ")");
      // a linear axis (XChart labels a log axis only at powers of ten), cut when σ²=β̃ dwarfs the rest
      if (cut) {
        c.getStyler().setYAxisMax(othersMax + range);
        c.getStyler().setYAxisMin(othersMin - 0.1 * range);
      }
      for (String traj : new String[] {"even", "optimal"}) {
        for (Method m : Method.LIKELIHOOD) {
          Series se = series(store, "nll/" + traj + "/" + m.key() + "/", s.nllKs());
          if (se.x.length > 0) {
            XYSeries xs = c.addSeries(m.label() + ", " + traj, se.x, se.y, se.err);
            xs.setLineColor(COLORS[m.ordinal()]);
            xs.setMarkerColor(COLORS[m.ordinal()]);
            if (traj.equals("optimal")) {
              xs.setLineStyle(SeriesLines.DASH_DASH);
              xs.setMarker(SeriesMarkers.DIAMOND);
            } else {
              xs.setMarker(SeriesMarkers.CIRCLE);
            }
          }
        }
      }
      if (floor != null && any) {
        floorLine(c, floor.value(), s.nllKs(), "exact −log p₀ (entropy)");
      }
      if (any) {
        Path p = outDir.resolve(LIKELIHOOD_PNG);
        SampleGrid.save(BitmapEncoder.getBufferedImage(c), p);
        files.add(p);
      }
    }
    if (s.sampleQuality()) {
      TreeSet<Integer> ks = new TreeSet<>();
      for (int k : s.sampleKs()) {
        ks.add(k);
      }
      if (s.baselineK() > 0) {
        ks.add(s.baselineK());
      }
      int[] all = ks.stream().mapToInt(Integer::intValue).toArray();
      String what = metric.equals("FD") ? "FD vs the test set (features)" : metric + " vs the exact distribution";
      XYChart c = chart("Sample quality vs K: " + what, metric + " (lower is better)");
      boolean positive = true;
      boolean any = false;
      for (Method m : Method.values()) {
        Series se = series(store, "sample/" + m.key() + "/", all);
        positive &= se.allPositive();
        any |= se.x.length > 0;
      }
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      for (Method m : Method.values()) {
        for (double v : series(store, "sample/" + m.key() + "/", all).y) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      // log only when the values span more than ~1.7 decades (XChart labels only powers of ten)
      boolean log = positive && metric.equals("FD") && hi / lo > 50;
      c.getStyler().setYAxisLogarithmic(log);
      for (Method m : Method.values()) {
        Series se = series(store, "sample/" + m.key() + "/", all);
        if (se.x.length > 0) {
          XYSeries xs = log ? c.addSeries(m.label(), se.x, se.y) : c.addSeries(m.label(), se.x, se.y, se.err);
          xs.setLineColor(COLORS[m.ordinal()]);
          xs.setMarkerColor(COLORS[m.ordinal()]);
          xs.setMarker(SeriesMarkers.CIRCLE);
        }
      }
      QualityResults.Cell floor = store.get("sample/floor");
      if (floor != null && any && (!log || floor.value() > 0)) {
        floorLine(c, floor.value(), all, "real held-out set (floor)");
      }
      if (any) {
        Path p = outDir.resolve(metric.equals("FD") ? "fd-vs-k.png" : "mmd-vs-k.png");
        SampleGrid.save(BitmapEncoder.getBufferedImage(c), p);
        files.add(p);
      }
    }
    return files;
  }

  /**
   * One PNG of 2-D scatter plots: each method's samples at one K, and exact samples.
   *
   * @param file destination
   * @param samples per method, [n][2]
   * @param exact exact samples, [m][2]
   * @param k the K
   * @param referenceName the exact distribution's name
   * @throws IOException if it cannot be written
   */
  public static void scatterTile(Path file, Map<Method, float[][]> samples, float[][] exact, int k,
      String referenceName) throws IOException {
    List<BufferedImage> panels = new ArrayList<>();
    panels.add(scatter("exact (" + referenceName + ")", exact));
    for (Map.Entry<Method, float[][]> e : samples.entrySet()) {
      panels.add(scatter(e.getKey().label() + ", K = " + k, e.getValue()));
    }
    int cols = 3;
    int rows = (panels.size() + cols - 1) / cols;
    int w = panels.get(0).getWidth();
    int h = panels.get(0).getHeight();
    BufferedImage tile = new BufferedImage(cols * w, rows * h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = tile.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, tile.getWidth(), tile.getHeight());
    for (int i = 0; i < panels.size(); i++) {
      g.drawImage(panels.get(i), (i % cols) * w, (i / cols) * h, null);
    }
    g.dispose();
    SampleGrid.save(tile, file);
  }

  private static BufferedImage scatter(String title, float[][] pts) {
    XYChart c = new XYChartBuilder().width(380).height(380).title(title).build();
    c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
    c.getStyler().setLegendVisible(false);
    c.getStyler().setMarkerSize(2);
    c.getStyler().setXAxisMin(-1.3).setXAxisMax(1.3).setYAxisMin(-1.3).setYAxisMax(1.3);
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    double[] x = new double[pts.length];
    double[] y = new double[pts.length];
    for (int i = 0; i < pts.length; i++) {
      x[i] = clamp(pts[i][0]);
      y[i] = clamp(pts[i][1]);
    }
    c.addSeries("samples", x, y).setMarkerColor(new Color(31, 119, 180, 120));
    return BitmapEncoder.getBufferedImage(c);
  }

  private static double clamp(double v) {
    return Math.max(-1.29, Math.min(1.29, v)); // outliers drawn at the frame
  }

  private static XYChart chart(String title, String yTitle) {
    XYChart c = new XYChartBuilder().width(1080).height(600).title(title).xAxisTitle("K (sampling steps, log scale)")
        .yAxisTitle(yTitle).build();
    c.getStyler().setXAxisLogarithmic(true);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setMarkerSize(7);
    c.getStyler().setErrorBarsColorSeriesColor(true);
    return c;
  }

  private static void floorLine(XYChart c, double v, int[] ks, String name) {
    XYSeries f = c.addSeries(name, new double[] {ks[0], ks[ks.length - 1]}, new double[] {v, v});
    f.setMarker(SeriesMarkers.NONE);
    f.setLineStyle(SeriesLines.DOT_DOT);
    f.setLineColor(Color.GRAY);
  }

  /** The points of one line. */
  private record Series(double[] x, double[] y, double[] err) {
    boolean allPositive() {
      for (double v : y) {
        if (!(v > 0)) {
          return false;
        }
      }
      return true;
    }
  }

  private static Series series(QualityResults store, String prefix, int[] ks) {
    List<double[]> pts = new ArrayList<>();
    for (int k : ks) {
      QualityResults.Cell c = store.get(prefix + k);
      if (c != null && Double.isFinite(c.value())) {
        pts.add(new double[] {k, c.value(), Double.isFinite(c.stdError()) ? c.stdError() : 0});
      }
    }
    double[] x = new double[pts.size()];
    double[] y = new double[pts.size()];
    double[] e = new double[pts.size()];
    for (int i = 0; i < pts.size(); i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
      e[i] = pts.get(i)[2];
    }
    return new Series(x, y, e);
  }
}
