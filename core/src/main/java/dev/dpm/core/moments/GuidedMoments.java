package dev.dpm.core.moments;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.GuidedBatch;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.function.LongConsumer;

/**
 * Estimates the {@link GuidedGamma} of a conditional model: for each label c and each w of the grid,
 * Γ of the guided predictor ε̃_w(· | c) = ε(·, ∅) + w·(ε(·, c) − ε(·, ∅)) by the {@link Moments}
 * estimator over the data of class c. One network call per batch evaluates ε(x, c) and ε(x, ∅) of
 * every row side by side, and every w of the grid is accumulated from that pair ({@link
 * PredictorFan}), so the whole grid costs two network rows per sample row, whatever its size; each
 * w's estimate equals the one a lone {@code GuidedPredictor} at that w gives (the same x_n, noise
 * and arithmetic). Pooled: the per-label Γs averaged with weights proportional to the classes' data
 * counts.
 */
public final class GuidedMoments {
  private GuidedMoments() {}

  /**
   * The grid and, when it holds w = 0 and is pooled, the unconditional Γ (the w = 0 slice with its
   * pooled standard errors: Γ of ε(·, ∅) over the class-stratified data).
   *
   * @param grid the guided Γ grid
   * @param unconditional Γ of ε(·, ∅), or null
   */
  public record Result(GuidedGamma grid, Gamma unconditional) {}

  /**
   * @param scales the grid of w
   * @return network rows per sample row: 1 when the grid needs only ε(·, c) or only ε(·, ∅), else 2
   */
  public static int rowsPerSample(double[] scales) {
    boolean cond = false;
    boolean uncond = false;
    for (double w : scales) {
      cond |= w != 0.0;
      uncond |= w != 1.0;
    }
    return (cond ? 1 : 0) + (uncond ? 1 : 0);
  }

  /**
   * @param classes data rows per label
   * @param scales grid of w
   * @param steps N
   * @param options Monte-Carlo options
   * @return network rows the estimate evaluates
   */
  public static long evaluations(DataSet[] classes, double[] scales, int steps, Moments.Options options) {
    long total = 0;
    for (DataSet c : classes) {
      total += Moments.evaluations(c.size(), steps, options);
    }
    return total * rowsPerSample(scales);
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
    return estimateAll(model, sched, classes, scales, pooled, seed, batchSize, options, modelSha256, schedule,
        progress).grid();
  }

  /**
   * {@link #estimate} with the unconditional Γ as a by-product (see {@link Result}).
   *
   * @param model the conditional network
   * @param sched its schedule
   * @param classes data rows of label c at index c (≥ 2 rows each)
   * @param scales grid of w, strictly ascending
   * @param pooled pool over labels
   * @param seed noise seed
   * @param batchSize samples per evaluation
   * @param options Monte-Carlo options
   * @param modelSha256 the network file's hash (may be null)
   * @param schedule schedule fingerprint
   * @param progress cumulative network rows done (may be null)
   * @return the grid and the unconditional Γ
   */
  public static Result estimateAll(ConditionalPredictor model, NoiseSchedule sched, DataSet[] classes,
      double[] scales, boolean pooled, long seed, int batchSize, Moments.Options options, String modelSha256,
      ScheduleInfo schedule, LongConsumer progress) {
    int n = sched.steps();
    int[] steps = new int[n];
    for (int k = 0; k < n; k++) {
      steps[k] = k + 1;
    }
    int f = rowsPerSample(scales);
    Gamma[][] perLabel = new Gamma[classes.length][scales.length];
    long done = 0;
    Moments.Estimate last = null;
    long rows = 0;
    for (int c = 0; c < classes.length; c++) {
      rows += classes[c].size();
      long base = done;
      Moments.Estimate[] est = Moments.estimateAt(new Fan(model, c, scales), sched, classes[c], steps, seed,
          batchSize, options, progress == null ? null : k -> progress.accept(base + f * k));
      done += f * Moments.evaluations(classes[c].size(), n, options);
      for (int i = 0; i < scales.length; i++) {
        perLabel[c][i] = est[i].toGamma(n, null);
      }
      last = est[0];
    }
    Provenance p = new Provenance(modelSha256, (pooled ? "pooled over " : "per label, ") + classes.length
        + " labels: " + last.data(), (int) rows, seed, last.estimator(), Provenance.of(null, last, schedule).created(),
        schedule, last.rowsPerStep());
    double[][][] values = new double[pooled ? 1 : classes.length][scales.length][];
    Gamma unconditional = null;
    for (int i = 0; i < scales.length; i++) {
      if (!pooled) {
        for (int c = 0; c < classes.length; c++) {
          values[c][i] = perLabel[c][i].values();
        }
        continue;
      }
      double[] g = new double[n + 1];
      double[] se2 = new double[n + 1];
      for (int c = 0; c < classes.length; c++) {
        double weight = classes[c].size() / (double) rows;
        for (int k = 0; k <= n; k++) {
          g[k] += weight * perLabel[c][i].values()[k];
          double s = weight * perLabel[c][i].stdError()[k];
          se2[k] += s * s;
        }
      }
      values[0][i] = g;
      if (scales[i] == 0.0) {
        for (int k = 0; k <= n; k++) {
          se2[k] = Math.sqrt(se2[k]);
        }
        unconditional = new Gamma(g.clone(), se2, new Provenance(modelSha256, "the w = 0 slice (ε(x, ∅)) of the "
            + "guided grid, pooled over " + classes.length + " labels: " + last.data(), (int) rows, seed,
            last.estimator(), p.created(), schedule, last.rowsPerStep()));
      }
    }
    return new Result(new GuidedGamma(scales, pooled, values, p), unconditional);
  }

  /** ε̃_w(·| c) for every w of the grid, from one call of ε(·, c) and ε(·, ∅) side by side. */
  private static final class Fan implements PredictorFan {
    private final ConditionalPredictor model;
    private final long label;
    private final double[] scales;
    private final boolean cond;
    private final boolean uncond;

    Fan(ConditionalPredictor model, int label, double[] scales) {
      if (label >= model.classCount()) {
        throw new IllegalArgumentException("label " + label + " is not below " + model.classCount());
      }
      this.model = model;
      this.label = label;
      this.scales = scales;
      boolean c = false;
      boolean u = false;
      for (double w : scales) {
        c |= w != 0.0;
        u |= w != 1.0;
      }
      this.cond = c;
      this.uncond = u;
    }

    @Override
    public int dimension() {
      return model.dimension();
    }

    @Override
    public int outputs() {
      return scales.length;
    }

    @Override
    public float[][] predictEps(float[] x, double[] time, int batch) {
      int d = model.dimension();
      int per = (cond ? 1 : 0) + (uncond ? 1 : 0);
      float[] nx = per == 1 ? x : new float[per * batch * d];
      double[] nt = per == 1 ? time : new double[per * batch];
      long[] labels = new long[per * batch];
      for (int r = 0; r < batch; r++) {
        for (int j = 0; j < per; j++) {
          int k = r * per + j; // row r's conditional row, then its unconditional one
          if (per == 2) {
            System.arraycopy(x, r * d, nx, k * d, d);
            nt[k] = time[r];
          }
          labels[k] = cond && j == 0 ? label : model.nullLabel();
        }
      }
      float[] e = model.predictEps(nx, nt, labels, per * batch);
      float[][] out = new float[scales.length][];
      for (int i = 0; i < scales.length; i++) {
        double w = scales[i];
        if (per == 1) {
          out[i] = e; // only w = 0 or only w = 1 on the grid
          continue;
        }
        float[] o = new float[batch * d];
        for (int r = 0; r < batch; r++) {
          int ec = 2 * r * d;
          int eu = (2 * r + 1) * d;
          if (w == 0.0) {
            System.arraycopy(e, eu, o, r * d, d);
          } else if (w == 1.0) {
            System.arraycopy(e, ec, o, r * d, d);
          } else {
            for (int j = 0; j < d; j++) {
              o[r * d + j] = GuidedBatch.guide(e[eu + j], e[ec + j], w);
            }
          }
        }
        out[i] = o;
      }
      return out;
    }
  }
}
