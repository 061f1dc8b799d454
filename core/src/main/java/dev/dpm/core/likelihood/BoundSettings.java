package dev.dpm.core.likelihood;

import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ReverseVariance;
import java.util.Objects;

/**
 * What bound to compute.
 *
 * @param trajectory the timesteps 1 = τ₁ &lt; … &lt; τ_K (even or optimal)
 * @param variance the reverse variance: {@link ReverseVariance.Posterior},
 *     {@link ReverseVariance.Forward}, DDPM-type {@link ReverseVariance.Analytic} or DDPM-type
 *     {@link ReverseVariance.Imperfect} (SN/NPR: the model must carry the head); the bound is
 *     defined for the DDPM forward process only (reference §2.7: with DDIM's λ = 0 it is infinite)
 * @param decoder the x₀ term
 * @param seed noise seed: the x_t of data row i for the term at τ_k is draw k − 1 of stream i
 * @param batchSize rows per evaluation
 */
public record BoundSettings(
    Trajectory trajectory, ReverseVariance variance, Decoder decoder, long seed, int batchSize) {

  /** Validates the settings. */
  public BoundSettings {
    Objects.requireNonNull(trajectory, "trajectory");
    Objects.requireNonNull(variance, "variance");
    Objects.requireNonNull(decoder, "decoder");
    if (trajectory.tau(1) != 1) {
      throw new IllegalArgumentException("the bound's decoder reads x_1: the trajectory must start at 1, not "
          + trajectory.tau(1));
    }
    if (variance instanceof ReverseVariance.Ddim
        || (variance instanceof ReverseVariance.Analytic a && a.ddimType())
        || (variance instanceof ReverseVariance.Imperfect m && m.ddimType())) {
      throw new IllegalArgumentException("the variational bound is defined for the DDPM forward process only"
          + " (posterior, forward, DDPM-type analytic, SN or NPR variance), not for DDIM-type steps");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
  }

  /**
   * Settings for 8-bit images.
   *
   * @param trajectory the timesteps
   * @param variance the reverse variance
   * @param seed noise seed
   * @param batchSize rows per evaluation
   * @return settings with the discretised decoder
   */
  public static BoundSettings eightBit(Trajectory trajectory, ReverseVariance variance, long seed, int batchSize) {
    return new BoundSettings(trajectory, variance, Decoder.DISCRETISED_8BIT, seed, batchSize);
  }
}
