package dev.dpm.core.trajectory;

import dev.dpm.core.schedule.NoiseSchedule;

/**
 * diffusers' {@code timestep_spacing} values as trajectories ({@code DDIMScheduler.set_timesteps}):
 * diffusers counts timesteps from 0, so its t is n − 1 here. Rounding is half-even, as numpy's.
 */
public final class DiffusersSpacing {
  private DiffusersSpacing() {}

  /**
   * diffusers' {@code "leading"} spacing ({@code DDIMScheduler.set_timesteps}): diffusers' 0-based
   * t_k = k·⌊N/K⌋ + steps_offset, k = 0..K−1, so n = t + 1 here (N=1000, K=10, offset 1: 2, 102, …, 902).
   *
   * @param n N
   * @param k K ≥ 2
   * @param offset steps_offset ≥ 0
   * @return the trajectory
   * @throws IllegalArgumentException if the offset pushes the last timestep past N
   */
  public static Trajectory leading(int n, int k, int offset) {
    Trajectory.checkK(n, k);
    if (offset < 0) {
      throw new IllegalArgumentException("steps_offset must be >= 0, got " + offset);
    }
    int ratio = n / k;
    int[] t = new int[k];
    for (int i = 0; i < k; i++) {
      t[i] = i * ratio + offset + 1;
    }
    if (t[k - 1] > n) {
      throw new IllegalArgumentException("leading spacing with steps_offset " + offset + " puts timestep "
          + t[k - 1] + " past N = " + n + " for K = " + k);
    }
    return Trajectory.explicit(t, n);
  }

  /**
   * diffusers' {@code "trailing"} spacing: t = round(arange(N, 0, −N/K)) − 1 (0-based, half-even),
   * so n = round(N − i·N/K), i = 0..K−1; it always contains N (N=1000, K=10: 100, 200, …, 1000).
   *
   * @param n N
   * @param k K ≥ 2
   * @return the trajectory
   */
  public static Trajectory trailing(int n, int k) {
    Trajectory.checkK(n, k);
    double ratio = (double) n / k;
    int[] t = new int[k];
    for (int i = 0; i < k; i++) {
      t[k - 1 - i] = (int) Math.rint(n - i * ratio);
    }
    return Trajectory.explicit(t, n);
  }

  /**
   * diffusers' {@code "linspace"} spacing: t = round(linspace(0, N−1, K)) (0-based, half-even), so
   * n = t + 1, from 1 to N (N=1000, K=10: 1, 112, 223, …, 1000).
   *
   * @param n N
   * @param k K ≥ 2
   * @return the trajectory
   */
  public static Trajectory linspace(int n, int k) {
    Trajectory.checkK(n, k);
    double[] u = NoiseSchedule.linspace(0, n - 1, k);
    int[] t = new int[k];
    for (int i = 0; i < k; i++) {
      t[i] = (int) Math.rint(u[i]) + 1;
    }
    return Trajectory.explicit(t, n);
  }
}
