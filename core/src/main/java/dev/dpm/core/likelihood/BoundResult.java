package dev.dpm.core.likelihood;

import java.util.List;

/**
 * The variational bound on a data set, averaged over its rows. Per-dimension values are in bits
 * (nats / ln 2); {@link #natsPerDim()} gives nats. With the discretised decoder the bound is on
 * −log₂ of a probability (≥ 0); with the Gaussian decoder on −log₂ of a density.
 *
 * @param bitsPerDim mean bound over rows, bits/dim
 * @param stdError standard error of that mean over rows
 * @param n number of rows
 * @param priorBitsPerDim mean prior term KL(q(x_{τ_K}|x₀) ‖ N(0, I))
 * @param klBitsPerDim mean sum of the K − 1 Gaussian KL terms
 * @param decoderBitsPerDim mean −log p(x₀ | x₁)
 * @param steps per-step KL means in sampling order (τ_K → τ_{K−1} first), K − 1 entries
 * @param perRowBitsPerDim each row's bound, [n] (for paired comparisons between methods on the
 *     same data and seed, which share their noise)
 */
public record BoundResult(
    double bitsPerDim,
    double stdError,
    int n,
    double priorBitsPerDim,
    double klBitsPerDim,
    double decoderBitsPerDim,
    List<StepTerm> steps,
    double[] perRowBitsPerDim) {

  /**
   * One Gaussian KL term KL(q(x_s | x_t, x₀) ‖ p(x_s | x_t)).
   *
   * @param from t
   * @param to s
   * @param bitsPerDim mean over rows
   * @param stdError standard error over rows
   */
  public record StepTerm(int from, int to, double bitsPerDim, double stdError) {}

  /** @return the mean bound in nats/dim */
  public double natsPerDim() {
    return bitsPerDim * Math.log(2);
  }
}
