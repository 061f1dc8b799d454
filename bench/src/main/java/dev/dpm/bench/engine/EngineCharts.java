package dev.dpm.bench.engine;

import dev.dpm.server.engine.BatchingMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** The engine benchmark's plot: p50 and p95 latency against offered load, one line per mode. */
public final class EngineCharts {
  private EngineCharts() {}

  /**
   * Writes the latency-against-load chart as PNG.
   *
   * @param r the figures (part b)
   * @param png the file
   */
  public static void latencyAgainstLoad(EngineBenchmark.Result r, Path png) throws IOException {
    XYChart c = new XYChartBuilder().width(720).height(460)
        .title("Mixed workload, d = " + r.options().dimension() + ": latency against load")
        .xAxisTitle("offered load (fraction of the network's peak rows/s)").yAxisTitle("latency (ms)").build();
    c.getStyler().setYAxisLogarithmic(true);
    c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    int n = r.levels().size();
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.levels().get(i).load();
    }
    for (BatchingMode m : BatchingMode.values()) {
      double[] p50 = new double[n];
      double[] p95 = new double[n];
      for (int i = 0; i < n; i++) {
        MixedWorkload.Outcome o = r.levels().get(i).of(m);
        p50[i] = o.latency(0.5);
        p95[i] = o.latency(0.95);
      }
      String name = m.name().toLowerCase(Locale.ROOT);
      c.addSeries(name + " p95", x, p95);
      c.addSeries(name + " p50", x, p50);
    }
    BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
