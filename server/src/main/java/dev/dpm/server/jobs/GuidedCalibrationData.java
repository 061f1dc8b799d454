package dev.dpm.server.jobs;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.runtime.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The data of a guided-Γ calibration, split by class: a data file with a label file, or a labelled oracle's components. */
final class GuidedCalibrationData {
  private GuidedCalibrationData() {}

  /**
   * @param spec the model (class-conditional)
   * @param k number of classes
   * @param m M, data rows in all
   * @param seed the estimator's seed (oracle data use {@code ~seed − c}, as {@code ./dpm calibrate --guidance})
   * @param dataFile data file, or null for an oracle
   * @param labelFile the rows' classes (IDX or npy), with a data file
   * @return the rows of class c at index c
   * @throws IOException naming the problem
   */
  static DataSet[] classes(ModelSpec spec, int k, int m, long seed, Path dataFile, Path labelFile) throws IOException {
    DataSet[] classes = new DataSet[k];
    if (dataFile != null) {
      if (labelFile == null) {
        throw new IOException("a guided calibration with data needs dataLabels (one class per data row)");
      }
      DataSet rows = DataSets.load(dataFile, spec, m);
      dev.dpm.runtime.io.NumericArray a = dev.dpm.runtime.io.Idx.hasMagic(java.nio.file.Files.readAllBytes(labelFile))
          ? dev.dpm.runtime.io.Idx.read(labelFile) : dev.dpm.runtime.io.Npy.read(labelFile);
      float[] y = a.toFloat32();
      if (rows.size() < m || y.length < m) {
        throw new IOException("data and dataLabels need " + m + " rows each, have " + rows.size() + " and " + y.length);
      }
      List<List<float[]>> by = new ArrayList<>();
      for (int c = 0; c < k; c++) {
        by.add(new ArrayList<>());
      }
      for (int i = 0; i < m; i++) {
        int c = (int) y[i];
        if (c != y[i] || c < 0 || c >= k) {
          throw new IOException("dataLabels row " + i + " is " + y[i] + ", not a class 0.." + (k - 1));
        }
        by.get(c).add(rows.row(i));
      }
      for (int c = 0; c < k; c++) {
        if (by.get(c).size() < 2) {
          throw new IOException("class " + c + " has " + by.get(c).size() + " of the first " + m + " rows; needs 2");
        }
        classes[c] = DataSet.ofRows(by.get(c).toArray(new float[0][]), spec.sampleShape(), spec.dataRange(),
            rows.describe() + " (class " + c + ")");
      }
    } else if (spec.mixture() != null) {
      var mix = spec.mixture();
      for (int c = 0; c < k; c++) {
        int mc = Math.max(2, (int) Math.round(m * mix.weights()[c]));
        var one = new dev.dpm.core.model.MixtureSpec(new double[] {1}, new double[][] {mix.means()[c]},
            new double[] {mix.stds()[c]});
        long dataSeed = ~seed - c; // as ./dpm calibrate --guidance
        classes[c] = DataSet.ofRows(GaussianMixturePredictor.sampleData(one, dataSeed, mc), spec.sampleShape(),
            spec.dataRange(), "exact samples of component " + c + " (seed " + dataSeed + ")");
      }
    } else {
      throw new IOException("model '" + spec.name() + "' is a network: name a data file and its dataLabels");
    }
    return classes;
  }
}
