package dev.dpm.core.moments;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.GuidedPredictor;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.function.LongConsumer;

/**
 * Estimates the {@link GuidedGamma} of a conditional model: for each label c and each w of the grid,
 * Γ of the guided predictor ε̃_w(· | c) by {@link Moments#estimate} over the data of class c (the
 * same seed for every w, so the estimates are one quadratic in w). Pooled: the per-label Γs
 * averaged with weights proportional to the classes' data counts.
 */
public final class GuidedMoments {
  private GuidedMoments() {}

  /**
   * @param classes data rows per label
   * @param scales grid of w
   * @param steps N
   * @param options Monte-Carlo options
   * @return network rows the estimate evaluates (guided rows count twice)
   */
  public static long evaluations(DataSet[] classes, double[] scales, int steps, Moments.Options options) {
    long total = 0;
    for (DataSet c : classes) {
      for (double w : scales) {
        total += Moments.evaluations(c.size(), steps, options) * (w == 0.0 || w == 1.0 ? 1 : 2);
      }
    }
    return total;
  }

  /**
   * @param model the conditional network
   * @param sched its schedule
   * @param classes data rows of label c at index c (≥ 2 rows each); classes.length ≤ model.classCount()
   * @param scales grid of w, strictly ascending
   * @param pooled pool over labels (else one Γ per label)
   * @param seed noise seed (the same for every label and w)
   * @param batchSize samples per evaluation
   * @param options Monte-Carlo options
   * @param modelSha256 the network file's hash for the provenance (may be null)
   * @param schedule schedule fingerprint for the provenance
   * @param progress cumulative network rows done (may be null)
   * @return the grid
   */
  public static GuidedGamma estimate(ConditionalPredictor model, NoiseSchedule sched, DataSet[] classes,
      double[] scales, boolean pooled, long seed, int batchSize, Moments.Options options, String modelSha256,
      ScheduleInfo schedule, LongConsumer progress) {
    int n1 = sched.steps() + 1;
    double[][][] perLabel = new double[classes.length][scales.length][];
    long[] done = {0};
    Moments.Estimate last = null;
    long rows = 0;
    for (int c = 0; c < classes.length; c++) {
      rows += classes[c].size();
      for (int i = 0; i < scales.length; i++) {
        int f = scales[i] == 0.0 || scales[i] == 1.0 ? 1 : 2;
        long base = done[0];
        GuidedPredictor g = new GuidedPredictor(model, new Condition(c, Guidance.of(scales[i])));
        last = Moments.estimate(g, sched, classes[c], seed, batchSize, options,
            progress == null ? null : k -> progress.accept(base + f * k));
        done[0] += f * Moments.evaluations(classes[c].size(), sched.steps(), options);
        perLabel[c][i] = last.toGamma(sched.steps(), null).values();
      }
    }
    double[][][] values = perLabel;
    if (pooled) {
      values = new double[1][scales.length][n1];
      for (int c = 0; c < classes.length; c++) {
        double weight = classes[c].size() / (double) rows;
        for (int i = 0; i < scales.length; i++) {
          for (int n = 0; n < n1; n++) {
            values[0][i][n] += weight * perLabel[c][i][n];
          }
        }
      }
    }
    Provenance p = new Provenance(modelSha256, (pooled ? "pooled over " : "per label, ") + classes.length
        + " labels: " + last.data(), (int) rows, seed, last.estimator(), Provenance.of(null, last, schedule).created(),
        schedule, last.rowsPerStep());
    return new GuidedGamma(scales, pooled, values, p);
  }
}
