package dev.dpm.core.model;

/**
 * An isotropic Gaussian mixture Σ_k w_k N(μ_k, s_k² I), the data distribution of an oracle model.
 *
 * @param weights w_k, summing to 1, [K]
 * @param means μ_k, [K][d]
 * @param stds s_k, [K]
 */
public record MixtureSpec(double[] weights, double[][] means, double[] stds) {
  /** Validates shapes and values. */
  public MixtureSpec {
    if (weights.length == 0 || weights.length != means.length || weights.length != stds.length) {
      throw new IllegalArgumentException("mixture needs equal numbers of weights, means and stds");
    }
    double sum = 0;
    for (int k = 0; k < weights.length; k++) {
      if (!(weights[k] > 0) || !(stds[k] > 0) || means[k].length != means[0].length) {
        throw new IllegalArgumentException("mixture component " + k + " is invalid");
      }
      sum += weights[k];
    }
    if (Math.abs(sum - 1.0) > 1e-9) {
      throw new IllegalArgumentException("mixture weights must sum to 1, got " + sum);
    }
  }

  /** @return d */
  public int dimension() {
    return means[0].length;
  }
}
