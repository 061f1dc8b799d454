package dev.dpm.core.moments;

import java.util.Arrays;

/**
 * Γ of the guided predictors ε̃_w(x, n | c) on a grid of guidance scales w, per class label or
 * pooled over labels (the class-frequency-weighted mean of the per-label Γs), interpolated in w.
 *
 * <p>For fixed x_n, ‖ε̃_w‖² = ‖ε_u‖² + 2w⟨ε_u, ε_c − ε_u⟩ + w²‖ε_c − ε_u‖² is a quadratic in w, so
 * Γ_n(w) is exactly quadratic in w, and so is its Monte-Carlo estimate when every w uses the same
 * data rows and noise (the seed). Between grid points this class therefore interpolates with the
 * quadratic through the three nearest grid values (linear with a two-point grid): that reproduces
 * the estimator at any w of the range, not only at the grid. Outside [min w, max w] it gives nothing.
 *
 * <p>Immutable; accessors return copies.
 */
public final class GuidedGamma {
  private final double[] scales; // [W], ascending
  private final boolean pooled;
  private final double[][][] values; // [labels or 1][W][N+1]
  private final Provenance provenance;

  /**
   * @param scales the grid of w, strictly ascending, each ≥ 0
   * @param pooled whether one Γ serves every label (values has one slot) or values holds one per label
   * @param values Γ^eps[0..N] of the guided predictor, [pooled ? 1 : classes][W][N+1]
   * @param provenance how the per-w Γs were estimated (the estimator, rows, seed, data)
   */
  public GuidedGamma(double[] scales, boolean pooled, double[][][] values, Provenance provenance) {
    this.scales = scales.clone();
    this.pooled = pooled;
    this.provenance = provenance;
    if (scales.length == 0) {
      throw new IllegalArgumentException("the guidance grid needs at least one w");
    }
    for (int i = 0; i < scales.length; i++) {
      if (!(scales[i] >= 0) || !Double.isFinite(scales[i]) || (i > 0 && !(scales[i] > scales[i - 1]))) {
        throw new IllegalArgumentException("the guidance grid must be finite, >= 0 and strictly ascending: "
            + Arrays.toString(scales));
      }
    }
    if (values.length == 0 || (pooled && values.length != 1)) {
      throw new IllegalArgumentException(pooled ? "a pooled Γ grid has one slot" : "a per-label Γ grid needs labels");
    }
    this.values = new double[values.length][][];
    int n1 = values[0][0].length;
    for (int c = 0; c < values.length; c++) {
      if (values[c].length != scales.length) {
        throw new IllegalArgumentException("label " + c + " has " + values[c].length + " Γs for "
            + scales.length + " scales");
      }
      this.values[c] = new double[scales.length][];
      for (int i = 0; i < scales.length; i++) {
        if (values[c][i].length != n1) {
          throw new IllegalArgumentException("every Γ needs N+1 = " + n1 + " entries");
        }
        new Gamma(values[c][i], new double[n1], provenance); // validates the entries
        this.values[c][i] = values[c][i].clone();
      }
    }
  }

  /** @return the grid of w */
  public double[] scales() {
    return scales.clone();
  }

  /** @return whether one Γ serves every label */
  public boolean pooled() {
    return pooled;
  }

  /** @return labels with their own Γ (1 when pooled) */
  public int slots() {
    return values.length;
  }

  /** @return N */
  public int steps() {
    return values[0][0].length - 1;
  }

  /**
   * @param slot label (0 when pooled)
   * @param i index into {@link #scales()}
   * @return the stored Γ^eps[0..N]
   */
  public double[] at(int slot, int i) {
    return values[slot][i].clone();
  }

  /** @return the provenance */
  public Provenance provenance() {
    return provenance;
  }

  /**
   * @param w the guidance scale
   * @return whether w lies in the grid's range
   */
  public boolean covers(double w) {
    return w >= scales[0] && w <= scales[scales.length - 1];
  }

  /**
   * Γ^eps[0..N] of the guided predictor at w for a label.
   *
   * @param w guidance scale in the grid's range
   * @param label the class (ignored when pooled)
   * @return Γ, [N+1], clamped at 0
   * @throws IllegalArgumentException when w is outside the grid or the label has no Γ
   */
  public double[] interpolate(double w, int label) {
    if (!covers(w)) {
      throw new IllegalArgumentException("the guided Γ covers w in [" + scales[0] + ", "
          + scales[scales.length - 1] + "], not " + w);
    }
    int slot = pooled ? 0 : label;
    if (slot < 0 || slot >= values.length) {
      throw new IllegalArgumentException("no guided Γ for label " + label);
    }
    double[][] v = values[slot];
    int w0 = Math.max(0, Math.min(scales.length - 3, nearest(w) - 1)); // first of up to three points
    int m = Math.min(3, scales.length);
    int n1 = v[0].length;
    double[] out = new double[n1];
    for (int k = 0; k < m; k++) {
      double lk = 1.0; // Lagrange basis of point w0+k at w
      for (int j = 0; j < m; j++) {
        if (j != k) {
          lk *= (w - scales[w0 + j]) / (scales[w0 + k] - scales[w0 + j]);
        }
      }
      for (int n = 0; n < n1; n++) {
        out[n] += lk * v[w0 + k][n];
      }
    }
    for (int n = 0; n < n1; n++) {
      out[n] = Math.max(0.0, out[n]);
    }
    return out;
  }

  private int nearest(double w) {
    int best = 0;
    for (int i = 1; i < scales.length; i++) {
      if (Math.abs(scales[i] - w) < Math.abs(scales[best] - w)) {
        best = i;
      }
    }
    return best;
  }
}
