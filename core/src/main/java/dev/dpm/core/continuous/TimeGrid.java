package dev.dpm.core.continuous;

import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;

/**
 * Time grids of the fixed-step continuous samplers: K + 1 times from t₀ = 1 down to t_K = eps
 * (DPM-Solver {@code get_time_steps}: {@code time_uniform}, {@code logSNR}, {@code time_quadratic}).
 * The end points are exact. The noise-level grids ({@link SigmasKind}) are chosen in σ̃ = σ/α and
 * mapped to times by {@link VpSde#timeAtSigmaTilde}.
 */
public final class TimeGrid {
  /** Karras et al. 2022's ρ. */
  public static final double KARRAS_RHO = 7.0;

  private TimeGrid() {}

  /**
   * A noise-level grid as times. {@code karras}: σ̃_i = (σ̃_max^{1/ρ} + (i/K)(σ̃_min^{1/ρ} −
   * σ̃_max^{1/ρ}))^ρ with σ̃_max = σ̃(1), σ̃_min = σ̃(eps), ρ = 7 (Karras et al. 2022 eq. 5;
   * k-diffusion {@code get_sigmas_karras}); {@code uniform}: t uniform (Table 1, VP); {@code logsnr}:
   * log σ̃ uniform.
   *
   * @param kind the spacing
   * @param sde the SDE
   * @param eps the final time, 0 &lt; eps &lt; 1
   * @param steps K ≥ 1
   * @return [K+1] times, strictly decreasing from 1 to eps
   */
  public static double[] of(SigmasKind kind, VpSde sde, double eps, int steps) {
    if (kind == SigmasKind.UNIFORM) {
      return of(GridKind.UNIFORM, sde, eps, steps);
    }
    if (kind == SigmasKind.LOGSNR) {
      return of(GridKind.LOGSNR, sde, eps, steps);
    }
    if (steps < 1 || !(eps > 0 && eps < 1)) {
      throw new IllegalArgumentException("need K >= 1 and 0 < eps < 1, got " + steps + ", " + eps);
    }
    double hi = Math.pow(sde.sigmaTilde(1.0), 1.0 / KARRAS_RHO);
    double lo = Math.pow(sde.sigmaTilde(eps), 1.0 / KARRAS_RHO);
    double[] t = new double[steps + 1];
    for (int i = 1; i < steps; i++) {
      t[i] = sde.timeAtSigmaTilde(Math.pow(hi + (lo - hi) * i / steps, KARRAS_RHO));
    }
    return checked(t, eps, SamplerSettings.wireName(kind));
  }

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
    return checked(t, eps, SamplerSettings.wireName(kind));
  }

  /** Sets the exact end points 1 and eps and checks that t decreases strictly. */
  private static double[] checked(double[] t, double eps, String name) {
    int steps = t.length - 1;
    t[0] = 1.0;
    t[steps] = eps;
    for (int i = 1; i <= steps; i++) {
      if (!(t[i] < t[i - 1])) {
        throw new IllegalArgumentException(
            "the " + name + " grid with K=" + steps
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
