package dev.dpm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.moments.GuidedMoments;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.runtime.io.NumericArray;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./dpm calibrate --guidance W,…}: the Γ of the guided predictor ε̃_w(· | c) for every label c and every w of
 * the grid ({@link GuidedMoments}), pooled over labels by class counts or per label, written as the model's
 * {@code gamma-guided.json}. Data: {@code --data} with {@code --data-labels} (one class per row; IDX or npy) for a
 * network, or exact samples of each component for a labelled oracle (M·w_c rows of component c).
 */
final class GuidedCalibration {
  private GuidedCalibration() {}

  /**
   * The data of each class: {@code --data} split by {@code --data-labels} for a network, or exact samples of each
   * component (M·w_c rows of component c) for a labelled oracle.
   *
   * @param lm the loaded (conditional) model
   * @param ms its manifest
   * @param scales the grid of w (checked: ascending, ≥ 0)
   * @param samples M, data rows in all
   * @param data data file or null (oracles)
   * @param labels label file or null (oracles)
   * @param seed noise seed
   * @return data rows of label c at index c
   */
  static DataSet[] classes(LoadedModel lm, ModelSpec ms, double[] scales, int samples, Path data, Path labels,
      long seed) throws IOException {
    ConditionalPredictor p = lm.conditional();
    if (p == null) {
      throw new UsageError("--guidance: model " + ms.name() + " is not class-conditional (no conditioning block)");
    }
    for (int i = 0; i < scales.length; i++) {
      if (!(scales[i] >= 0) || (i > 0 && !(scales[i] > scales[i - 1]))) {
        throw new UsageError("--guidance: the grid must be ascending values >= 0, e.g. 0,1,2,3,5");
      }
    }
    return data != null ? split(ms, data, labels, samples, p.classCount()) : oracleClasses(ms, samples, seed);
  }

  /**
   * @param lm the loaded (conditional) model
   * @param ms its manifest
   * @param classes the data of each class ({@link #classes})
   * @param scales the grid of w
   * @param pooled pool over labels
   * @param seed noise seed
   * @param batch samples per evaluation
   * @param options Monte-Carlo options
   * @param bar progress, out of {@link GuidedMoments#evaluations}
   * @return the grid, and the unconditional Γ when the grid is pooled and holds w = 0
   */
  static GuidedMoments.Result estimate(LoadedModel lm, ModelSpec ms, DataSet[] classes, double[] scales,
      boolean pooled, long seed, int batch, Moments.Options options, Progress bar) throws IOException {
    NoiseSchedule sched = lm.schedule();
    String sha = ms.kind() == ModelKind.TORCHSCRIPT ? ModelLoader.sha256(ms.dir().resolve(ms.file())) : null;
    return GuidedMoments.estimateAll(lm.conditional(), sched, classes, scales, pooled, seed, batch, options, sha,
        ScheduleInfo.of(CalibrateCommand.scheduleType(ms), sched), bar::stepTo);
  }

  private static DataSet[] split(ModelSpec ms, Path data, Path labels, int samples, int classes) throws IOException {
    if (labels == null) {
      throw new UsageError("--guidance with --data needs --data-labels FILE (one class index per data row)");
    }
    DataSet rows;
    float[] y;
    try {
      rows = DataSets.load(data, ms, samples);
      NumericArray a = DataSets.readArray(labels); // npy or IDX, plain or .gz
      y = a.toFloat32();
    } catch (IOException e) {
      throw new UsageError("--data/--data-labels: " + e.getMessage(), e);
    }
    if (y.length < rows.size()) {
      throw new UsageError("--data-labels: " + y.length + " labels for " + rows.size() + " data rows");
    }
    List<List<float[]>> by = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      by.add(new ArrayList<>());
    }
    for (int i = 0; i < rows.size(); i++) {
      int c = (int) y[i];
      if (c < 0 || c >= classes || c != y[i]) {
        throw new UsageError("--data-labels: row " + i + " has label " + y[i] + ", not a class index 0.." + (classes - 1));
      }
      by.get(c).add(rows.row(i));
    }
    DataSet[] out = new DataSet[classes];
    for (int c = 0; c < classes; c++) {
      if (by.get(c).size() < 2) {
        throw new UsageError("--samples: class " + c + " has " + by.get(c).size() + " of the first " + rows.size()
            + " rows; every class needs at least 2");
      }
      out[c] = DataSet.ofRows(by.get(c).toArray(new float[0][]), ms.sampleShape(), ms.dataRange(),
          rows.describe() + " (class " + c + ")");
    }
    return out;
  }

  private static DataSet[] oracleClasses(ModelSpec ms, int samples, long seed) {
    MixtureSpec mix = ms.mixture();
    if (mix == null) {
      throw new UsageError("--data PATH and --data-labels FILE are required for " + ms.name());
    }
    DataSet[] out = new DataSet[mix.weights().length];
    for (int c = 0; c < out.length; c++) {
      int m = Math.max(2, (int) Math.round(samples * mix.weights()[c]));
      MixtureSpec one = new MixtureSpec(new double[] {1}, new double[][] {mix.means()[c]}, new double[] {mix.stds()[c]});
      long dataSeed = ~seed - c;
      out[c] = DataSet.ofRows(dev.dpm.core.model.GaussianMixturePredictor.sampleData(one, dataSeed, m),
          ms.sampleShape(), ms.dataRange(), "exact samples of component " + c + " (seed " + dataSeed + ")");
    }
    return out;
  }

  /** The JSON summary of a grid. */
  static void describe(ObjectNode root, GuidedGamma g) {
    root.put("pooled", g.pooled());
    root.set("guidance", Json.MAPPER.valueToTree(g.scales()));
    root.put("data", g.provenance().data());
    root.put("estimator", g.provenance().estimator().wireName());
    int n = g.steps();
    ObjectNode at = root.putObject("gamma");
    for (int i = 0; i < g.scales().length; i++) {
      double[] v = g.at(0, i);
      ObjectNode w = at.putObject(Double.toString(g.scales()[i]));
      for (int k : new int[] {1, 10, 100, n / 2, n}) {
        if (k >= 1 && k <= n) {
          w.put(Integer.toString(k), v[k]);
        }
      }
    }
  }
}
