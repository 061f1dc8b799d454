package dev.dpm.bench.conditional;

import dev.dpm.core.model.MixtureSpec;

/**
 * The Bayes classifier of a labelled Gaussian-mixture oracle (label k = component k): argmax over k of
 * log π_k − ‖x − μ_k‖²/(2s_k²) − d·log s_k. The exact stand-in for a trained classifier on 2-D models.
 */
public final class MixtureClassifier implements ClassProbe {
  private final MixtureSpec mixture;

  /** @param mixture the oracle's mixture, one class per component */
  public MixtureClassifier(MixtureSpec mixture) {
    this.mixture = mixture;
  }

  @Override
  public int classes() {
    return mixture.weights().length;
  }

  @Override
  public int[] classify(float[] x, int batch) {
    int d = mixture.dimension();
    if (x.length != batch * d) {
      throw new IllegalArgumentException("expected " + batch + "×" + d + " values, got " + x.length);
    }
    int[] out = new int[batch];
    for (int b = 0; b < batch; b++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes(); k++) {
        double s = mixture.stds()[k];
        double q = 0;
        for (int j = 0; j < d; j++) {
          double diff = x[b * d + j] - mixture.means()[k][j];
          q += diff * diff;
        }
        double lp = Math.log(mixture.weights()[k]) - q / (2 * s * s) - d * Math.log(s);
        if (lp > best) {
          best = lp;
          out[b] = k;
        }
      }
    }
    return out;
  }

  @Override
  public String describe() {
    return "Bayes classifier of the exact mixture (" + classes() + " components)";
  }

  @Override
  public void close() {}
}
