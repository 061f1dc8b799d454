package dev.dpm.core.continuous;

import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;

/**
 * Time grids of the fixed-step continuous samplers: K + 1 times from t₀ = 1 down to t_K = eps
 * (DPM-Solver {@code get_time_steps}: {@code time_uniform}, {@code logSNR}, {@code time_quadratic}).
 * The end points are exact.
 */
public final class TimeGrid {
  private TimeGrid() {}

  /**
   * @param kind the spacing
   * @param sde the SDE (for the log-SNR spacing)
   * @param eps the final time, 0 &lt; eps &lt; 1
   * @param steps K ≥ 1
   * @return [K+1] times, strictly decreasing from 1 to eps
   */
  public static double[] of(GridKind kind, VpSde sde, double eps, int steps) {
    if (steps < 1 || !(eps > 0 && eps < 1)) {
      throw new IllegalArgumentException("need K >= 1 and 0 < eps < 1, got " + steps + ", " + eps);
    }
    double[] t = new double[steps + 1];
    switch (kind) {
      case UNIFORM -> {
        for (int i = 0; i <= steps; i++) { // t_i = 1 + (eps − 1)·i/K
          t[i] = 1.0 + (eps - 1.0) * i / steps;
        }
      }
      case LOGSNR -> {
        double l0 = sde.lambda(1.0);
        double l1 = sde.lambda(eps);
        for (int i = 1; i < steps; i++) { // λ_i uniform, t_i = λ⁻¹(λ_i)
          t[i] = sde.timeAtLambda(l0 + (l1 - l0) * i / steps);
        }
      }
      case QUADRATIC -> {
        double r0 = 1.0;
        double r1 = Math.sqrt(eps);
        for (int i = 0; i <= steps; i++) { // √t uniform
          double r = r0 + (r1 - r0) * i / steps;
          t[i] = r * r;
        }
      }
      default -> throw new AssertionError(kind);
    }
    t[0] = 1.0;
    t[steps] = eps;
    for (int i = 1; i <= steps; i++) {
      if (!(t[i] < t[i - 1])) {
        throw new IllegalArgumentException(
            "the " + SamplerSettings.wireName(kind) + " grid with K=" + steps
                + " is not strictly decreasing at step " + i + " (too many steps for this schedule)");
      }
    }
    return t;
  }

  /**
   * @param grid times
   * @return a reversed copy (for encoding: eps up to 1)
   */
  public static double[] reversed(double[] grid) {
    double[] r = new double[grid.length];
    for (int i = 0; i < grid.length; i++) {
      r[i] = grid[grid.length - 1 - i];
    }
    return r;
  }
}
