package dev.dpm.core.sampler;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.Set;

/**
 * What a sampler needs to know about a model (never the network itself).
 *
 * @param schedule the model's noise schedule
 * @param dimension d, coordinates per sample
 * @param dataRange data range (x̂₀ clamp and variance clip); unbounded for continuous data
 * @param eightBit whether data are 8-bit images (σ₂ clip on by default with y = 1)
 * @param gamma Γ^eps[0..N] = E‖ε_θ(x_n, n)‖²/d, or null when not calibrated
 * @param defaultTrajectory the trajectory discrete samplers use when none is asked for (a diffusers
 *     model's {@code timestep_spacing}), or null for even
 * @param stepsOffset diffusers' {@code steps_offset}, used by the leading trajectory (0 otherwise)
 * @param heads the second heads the network carries besides ε (SN-DPM's eps2, NPR-DPM's epsc)
 */
public record ModelContext(
    NoiseSchedule schedule, int dimension, DataRange dataRange, boolean eightBit, double[] gamma,
    TrajectoryKind defaultTrajectory, int stepsOffset, Set<SecondHead> heads) {

  /**
   * A context whose network has no second head.
   *
   * @param schedule the schedule
   * @param dimension d
   * @param dataRange data range
   * @param eightBit 8-bit data
   * @param gamma Γ^eps or null
   * @param defaultTrajectory the default trajectory or null
   * @param stepsOffset diffusers' steps offset
   */
  public ModelContext(NoiseSchedule schedule, int dimension, DataRange dataRange, boolean eightBit,
      double[] gamma, TrajectoryKind defaultTrajectory, int stepsOffset) {
    this(schedule, dimension, dataRange, eightBit, gamma, defaultTrajectory, stepsOffset, Set.of());
  }

  /**
   * A context with the even default trajectory and no steps offset.
   *
   * @param schedule the schedule
   * @param dimension d
   * @param dataRange data range
   * @param eightBit 8-bit data
   * @param gamma Γ^eps or null
   */
  public ModelContext(
      NoiseSchedule schedule, int dimension, DataRange dataRange, boolean eightBit, double[] gamma) {
    this(schedule, dimension, dataRange, eightBit, gamma, null, 0, Set.of());
  }

  /**
   * @param newGamma Γ^eps[0..N], or null
   * @return the same context with this Γ
   */
  public ModelContext withGamma(double[] newGamma) {
    return new ModelContext(schedule, dimension, dataRange, eightBit, newGamma, defaultTrajectory, stepsOffset,
        heads);
  }

  /**
   * @param newHeads the second heads of the network
   * @return the same context with these heads
   */
  public ModelContext withHeads(Set<SecondHead> newHeads) {
    return new ModelContext(schedule, dimension, dataRange, eightBit, gamma, defaultTrajectory, stepsOffset,
        newHeads);
  }

  /** Validates the fields. */
  public ModelContext {
    heads = heads == null ? Set.of() : Set.copyOf(heads);
    if (stepsOffset < 0) {
      throw new IllegalArgumentException("stepsOffset must be >= 0");
    }
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive");
    }
    if (gamma != null && gamma.length != schedule.steps() + 1) {
      throw new IllegalArgumentException(
          "gamma has " + gamma.length + " entries, expected N+1 = " + (schedule.steps() + 1));
    }
  }
}
