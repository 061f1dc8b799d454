package dev.dpm.core.model;

/**
 * One evaluation of labelled, possibly guided rows: each sample row becomes one network row (its
 * label, or the null label) or, while guided with w ∉ {0, 1}, two (its label and the null label,
 * side by side in the same network call), and the answer is combined per row on the host,
 *
 * <pre>
 *   ε̃ = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅))      (double arithmetic, rounded once to float)
 * </pre>
 *
 * Because the network's rows are independent and the combination is plain Java arithmetic, a
 * row's ε̃ does not depend on the other rows of the batch. Stateless.
 */
public final class GuidedBatch {
  private GuidedBatch() {}

  /**
   * @param cond per-row conditions, [rows]
   * @param time per-row step index, [rows]
   * @param rows rows
   * @return network rows the batch needs
   */
  public static int networkRows(Condition[] cond, double[] time, int rows) {
    int n = 0;
    for (int r = 0; r < rows; r++) {
      n += cond[r].rowsAt(time[r]);
    }
    return n;
  }

  /**
   * Evaluates the rows with one network call.
   *
   * @param model the conditional predictor
   * @param x inputs, [rows, d]
   * @param time step indices, [rows]
   * @param cond per-row conditions, [rows]; labels must be below {@link ConditionalPredictor#classCount()}
   * @param rows rows
   * @return the (guided) ε, [rows, d]
   */
  public static float[] evaluate(ConditionalPredictor model, float[] x, double[] time, Condition[] cond, int rows) {
    int d = model.dimension();
    int net = networkRows(cond, time, rows);
    float[] nx = net == rows ? x : new float[net * d];
    double[] nt = net == rows ? time : new double[net];
    long[] labels = new long[net];
    long nullLabel = model.nullLabel();
    int k = 0;
    for (int r = 0; r < rows; r++) {
      Condition c = cond[r];
      if (c.label() != null && c.label() >= model.classCount()) {
        throw new IllegalArgumentException("label " + c.label() + " is not below " + model.classCount());
      }
      int m = c.rowsAt(time[r]);
      boolean uncond = c.unconditional() || c.scaleAt(time[r]) == 0.0;
      for (int j = 0; j < m; j++) {
        if (nx != x) {
          System.arraycopy(x, r * d, nx, k * d, d);
          nt[k] = time[r];
        }
        labels[k++] = uncond || j == 1 ? nullLabel : c.label();
      }
    }
    float[] e = model.predictEps(nx, nt, labels, net);
    if (net == rows) {
      return e;
    }
    float[] out = new float[rows * d];
    k = 0;
    for (int r = 0; r < rows; r++) {
      if (cond[r].rowsAt(time[r]) == 1) {
        System.arraycopy(e, k * d, out, r * d, d);
        k++;
        continue;
      }
      double w = cond[r].scaleAt(time[r]);
      int ec = k * d;
      int eu = (k + 1) * d;
      for (int j = 0; j < d; j++) {
        out[r * d + j] = guide(e[eu + j], e[ec + j], w);
      }
      k += 2;
    }
    return out;
  }

  /**
   * ε̃ = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅)) of one value, in double arithmetic rounded once to float.
   *
   * @param unconditional ε(x, ∅)
   * @param conditional ε(x, c)
   * @param w the guidance scale
   * @return ε̃_w
   */
  public static float guide(float unconditional, float conditional, double w) {
    double u = unconditional;
    return (float) (u + w * (conditional - u));
  }
}
