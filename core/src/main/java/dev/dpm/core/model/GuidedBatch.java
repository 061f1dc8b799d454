package dev.dpm.core.model;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

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
    return evaluate(model, x, time, cond, rows, new SecondHead[rows]).eps();
  }

  /**
   * Evaluates the rows with one network call, with the second heads some of them ask for (SN/NPR
   * rows). A row that asks for a head is one network row (its label, or the null label for an
   * unconditional sample or w = 0), so its ε and heads are the conditional network's own at that
   * label: the heads estimate the moments of ε(x, c) (or ε(x, ∅)), not of a guided ε̃_w, so a row
   * asking for a head while guided with w ∉ {0, 1} is refused. Guided rows without heads may share
   * the call (their head entries are not defined).
   *
   * @param model the conditional predictor (with the heads asked for)
   * @param x inputs, [rows, d]
   * @param time step indices, [rows]
   * @param cond per-row conditions, [rows]
   * @param rows rows
   * @param rowHead per-row head asked for, or null entries, [rows]
   * @return ε (guided where asked) and the heads, each [rows, d]
   * @throws IllegalArgumentException if a row asks for a head while guided with w ∉ {0, 1}
   */
  public static Prediction evaluate(ConditionalPredictor model, float[] x, double[] time, Condition[] cond, int rows,
      SecondHead[] rowHead) {
    Set<SecondHead> heads = EnumSet.noneOf(SecondHead.class);
    for (int r = 0; r < rows; r++) {
      if (rowHead[r] == null) {
        continue;
      }
      if (cond[r].rowsAt(time[r]) != 1) {
        throw new IllegalArgumentException("row " + r + " asks for the " + rowHead[r].wire() + " head under guidance"
            + " w = " + cond[r].scaleAt(time[r]) + ": the heads estimate the moments of the conditional network,"
            + " not of the guided predictor (only w = 0 or 1)");
      }
      heads.add(rowHead[r]);
    }
    int d = model.dimension();
    int net = networkRows(cond, time, rows);
    float[] nx = net == rows ? x : new float[net * d];
    double[] nt = net == rows ? time : new double[net];
    long[] labels = networkLabels(model, x, time, cond, rows, nx, nt);
    Prediction p = heads.isEmpty() ? new Prediction(model.predictEps(nx, nt, labels, net), Map.of())
        : model.predict(nx, nt, labels, net, heads);
    if (net == rows) {
      return p;
    }
    float[] e = p.eps();
    float[] out = new float[rows * d];
    Map<SecondHead, float[]> headOut = new EnumMap<>(SecondHead.class);
    for (SecondHead h : heads) {
      headOut.put(h, new float[rows * d]);
    }
    int k = 0;
    for (int r = 0; r < rows; r++) {
      if (cond[r].rowsAt(time[r]) == 1) {
        System.arraycopy(e, k * d, out, r * d, d);
        for (SecondHead h : heads) {
          System.arraycopy(p.head(h), k * d, headOut.get(h), r * d, d);
        }
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
    return new Prediction(out, headOut);
  }

  /**
   * The network rows' labels (and, when they differ from the rows, their inputs copied into nx, nt):
   * a guided row gives its label then the null label, an unguided one its label or the null label.
   */
  private static long[] networkLabels(ConditionalPredictor model, float[] x, double[] time, Condition[] cond,
      int rows, float[] nx, double[] nt) {
    int d = model.dimension();
    long[] labels = new long[nt.length];
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
    return labels;
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
