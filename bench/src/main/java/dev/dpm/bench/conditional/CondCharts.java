package dev.dpm.bench.conditional;

import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualityResults;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The conditional tables' PNG plots (XChart, as the other quality plots): pooled quality and class accuracy
 * against K (one line per method and w) and against w (the guidance sweep, one line per method and K), and the
 * per-class accuracy at the largest w and K; ±1 standard error bars.
 */
final class CondCharts {
  /** One colour per {@link Method}, by ordinal (as the plain quality plots). */
  private static final Color[] COLORS = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(148, 103, 189),
    new Color(214, 39, 40)};
  private static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE,
    SeriesMarkers.TRIANGLE_UP, SeriesMarkers.CROSS};
  private static final java.awt.BasicStroke[] LINES = {SeriesLines.SOLID, SeriesLines.DASH_DASH, SeriesLines.DOT_DOT,
    SeriesLines.DASH_DOT};

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private CondCharts() {}

  static List<Path> write(Path outDir, QualityResults store, CondSettings s, CondKeys keys, int classes, String metric)
      throws IOException {
    List<Path> files = new ArrayList<>();
    String m = metric + " (lower is better)";
    if (s.ks().length > 1) {
      save(files, outDir.resolve("cond-fd-vs-k.png"), byK(store, s, keys, "/fd", 1,
          "Conditional samples: pooled " + metric + " vs K", m));
      save(files, outDir.resolve("cond-acc-vs-k.png"), byK(store, s, keys, "/acc", 100,
          "Conditional samples: class accuracy vs K", "class accuracy (%)"));
    }
    if (s.scales().length > 1) {
      save(files, outDir.resolve("cond-sweep-fd.png"), byW(store, s, keys, "/fd", 1,
          "Guidance sweep: pooled " + metric + " vs w", m));
      save(files, outDir.resolve("cond-sweep-acc.png"), byW(store, s, keys, "/acc", 100,
          "Guidance sweep: class accuracy vs w", "class accuracy (%)"));
    }
    save(files, outDir.resolve("cond-class-acc.png"), perClass(store, s, keys, classes));
    return files;
  }

  private static XYChart byK(QualityResults store, CondSettings s, CondKeys keys, String suffix, double scale,
      String title, String yTitle) {
    XYChart c = chart(title, "K (sampling steps, log scale)", yTitle);
    c.getStyler().setXAxisLogarithmic(true);
    boolean any = false;
    for (Method me : s.methods()) {
      for (int wi = 0; wi < s.scales().length; wi++) {
        double w = s.scales()[wi];
        List<double[]> pts = new ArrayList<>();
        for (int k : s.ks()) {
          point(pts, store, keys.guided(me, w, k), suffix, k, scale);
        }
        any |= add(c, me.label() + ", w = " + CondKeys.fmt(w), pts, me, wi);
      }
    }
    return any ? c : null;
  }

  private static XYChart byW(QualityResults store, CondSettings s, CondKeys keys, String suffix, double scale,
      String title, String yTitle) {
    XYChart c = chart(title, "guidance w", yTitle);
    boolean any = false;
    for (Method me : s.methods()) {
      for (int ki = 0; ki < s.ks().length; ki++) {
        int k = s.ks()[ki];
        List<double[]> pts = new ArrayList<>();
        for (double w : s.scales()) {
          point(pts, store, keys.guided(me, w, k), suffix, w, scale);
        }
        any |= add(c, me.label() + ", K = " + k, pts, me, ki);
      }
    }
    return any ? c : null;
  }

  private static CategoryChart perClass(QualityResults store, CondSettings s, CondKeys keys, int classes) {
    double w = s.scales()[s.scales().length - 1];
    int k = s.ks()[s.ks().length - 1];
    CategoryChart c = new CategoryChartBuilder().width(1080).height(600)
        .title("Class accuracy per class, w = " + CondKeys.fmt(w) + ", K = " + k).xAxisTitle("class")
        .yAxisTitle("class accuracy (%)").build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
    boolean any = false;
    for (Method me : s.methods()) {
      String p = keys.guided(me, w, k);
      if (p == null || store.get(p + "/acc/0") == null) {
        continue;
      }
      List<Integer> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int cl = 0; cl < classes; cl++) {
        QualityResults.Cell a = store.get(p + "/acc/" + cl);
        x.add(cl);
        y.add(a == null ? 0.0 : 100 * a.value());
      }
      c.addSeries(me.label(), x, y).setFillColor(COLORS[me.ordinal()]);
      any = true;
    }
    return any ? c : null;
  }

  private static void point(List<double[]> pts, QualityResults store, String prefix, String suffix, double x,
      double scale) {
    QualityResults.Cell c = prefix == null ? null : store.get(prefix + suffix);
    if (c != null && Double.isFinite(c.value())) {
      pts.add(new double[] {x, scale * c.value(), Double.isFinite(c.stdError()) ? scale * c.stdError() : 0});
    }
  }

  private static boolean add(XYChart c, String name, List<double[]> pts, Method me, int style) {
    if (pts.isEmpty()) {
      return false;
    }
    double[] x = new double[pts.size()];
    double[] y = new double[pts.size()];
    double[] e = new double[pts.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
      e[i] = pts.get(i)[2];
    }
    XYSeries xs = c.addSeries(name, x, y, e);
    xs.setLineColor(COLORS[me.ordinal()]);
    xs.setMarkerColor(COLORS[me.ordinal()]);
    xs.setMarker(MARKERS[style % MARKERS.length]);
    xs.setLineStyle(LINES[style % LINES.length]);
    return true;
  }

  private static XYChart chart(String title, String xTitle, String yTitle) {
    XYChart c = new XYChartBuilder().width(1080).height(600).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
        .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setMarkerSize(7);
    c.getStyler().setErrorBarsColorSeriesColor(true);
    return c;
  }

  private static void save(List<Path> files, Path file, Chart<?, ?> chart) throws IOException {
    if (chart == null) {
      return;
    }
    Path abs = file.toAbsolutePath();
    Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp.png");
    try {
      BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    files.add(file);
  }
}
