package dev.dpm.core.sampler;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.schedule.NoiseSchedule;

/**
 * What a sampler needs to know about a model (never the network itself).
 *
 * @param schedule the model's noise schedule
 * @param dimension d, coordinates per sample
 * @param dataRange data range (x̂₀ clamp and variance clip); unbounded for continuous data
 * @param eightBit whether data are 8-bit images (σ₂ clip on by default with y = 1)
 * @param gamma Γ^eps[0..N] = E‖ε_θ(x_n, n)‖²/d, or null when not calibrated
 */
public record ModelContext(
    NoiseSchedule schedule, int dimension, DataRange dataRange, boolean eightBit, double[] gamma) {
  /** Validates the fields. */
  public ModelContext {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive");
    }
    if (gamma != null && gamma.length != schedule.steps() + 1) {
      throw new IllegalArgumentException(
          "gamma has " + gamma.length + " entries, expected N+1 = " + (schedule.steps() + 1));
    }
  }
}
