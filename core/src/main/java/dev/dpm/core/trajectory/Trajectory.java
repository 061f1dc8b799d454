package dev.dpm.core.trajectory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable, ascending list of timesteps 1 ≤ τ₁ &lt; … &lt; τ_K ≤ N. Samplers take their step
 * pairs only from {@link #steps()}, never by {@code t − N/K} arithmetic.
 */
public final class Trajectory {
  private final int[] timesteps; // [K], ascending

  private Trajectory(int[] timesteps) {
    this.timesteps = timesteps;
  }

  /**
   * One reverse step x_from → x_to, to = 0 meaning the final x₀ step.
   *
   * @param from t
   * @param to s &lt; t
   */
  public record Step(int from, int to) {}

  /**
   * An explicit trajectory.
   *
   * @param timesteps strictly ascending, ≥ 1
   * @param n N, the schedule length (upper bound)
   * @return the trajectory
   * @throws IllegalArgumentException if not strictly ascending within [1, N]
   */
  public static Trajectory explicit(int[] timesteps, int n) {
    int[] t = timesteps.clone();
    if (t.length < 1) {
      throw new IllegalArgumentException("a trajectory needs at least one timestep");
    }
    for (int i = 0; i < t.length; i++) {
      if (t[i] < 1 || t[i] > n || (i > 0 && t[i] <= t[i - 1])) {
        throw new IllegalArgumentException(
            "timesteps must be strictly ascending within [1, " + n + "]: " + Arrays.toString(t));
      }
    }
    return new Trajectory(t);
  }

  /**
   * The even trajectory (Analytic-DPM {@code _choice_steps_linear}): start at 1.0, add
   * (N−1)/(K−1) in double precision, round half-even as Python's {@code round()} does
   * (N=1000, K=25 contains 500, not 501).
   *
   * @param n N
   * @param k K ≥ 2
   * @return the trajectory, τ₁ = 1, τ_K = N
   */
  public static Trajectory even(int n, int k) {
    if (k < 2 || k > n) {
      throw new IllegalArgumentException("need 2 <= K <= N, got K=" + k + ", N=" + n);
    }
    double stride = (double) (n - 1) / (k - 1);
    double cur = 1.0;
    int[] t = new int[k];
    for (int i = 0; i < k; i++) {
      t[i] = (int) Math.rint(cur);
      cur += stride;
    }
    return explicit(t, n);
  }

  /** @return a copy of the timesteps, ascending */
  public int[] timesteps() {
    return timesteps.clone();
  }

  /** @return K */
  public int size() {
    return timesteps.length;
  }

  /**
   * @param k 1-based index
   * @return τ_k
   */
  public int tau(int k) {
    return timesteps[k - 1];
  }

  /**
   * The reverse steps in sampling order: (τ_K → τ_{K−1}), …, (τ₂ → τ₁), (τ₁ → 0).
   *
   * @return K steps
   */
  public List<Step> steps() {
    List<Step> r = new ArrayList<>(timesteps.length);
    for (int k = timesteps.length - 1; k >= 0; k--) {
      r.add(new Step(timesteps[k], k == 0 ? 0 : timesteps[k - 1]));
    }
    return List.copyOf(r);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Trajectory other && Arrays.equals(timesteps, other.timesteps);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(timesteps);
  }

  @Override
  public String toString() {
    return "Trajectory" + Arrays.toString(timesteps);
  }
}
