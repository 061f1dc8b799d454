package dev.dpm.core.trajectory;

import dev.dpm.core.schedule.NoiseSchedule;
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
    checkK(n, k);
    double stride = (double) (n - 1) / (k - 1);
    double cur = 1.0;
    int[] t = new int[k];
    for (int i = 0; i < k; i++) {
      t[i] = (int) Math.rint(cur);
      cur += stride;
    }
    return explicit(t, n);
  }

  /**
   * The trajectory of a kind (the one switch the sampler factory uses).
   *
   * @param kind how to choose the timesteps
   * @param schedule the model's schedule (N, and the DP costs of {@link TrajectoryKind#OPTIMAL})
   * @param gammaEps Γ^eps[0..N]; needed only for {@link TrajectoryKind#OPTIMAL}
   * @param k K, the number of timesteps (ignored for {@link TrajectoryKind#EXPLICIT})
   * @param explicit the timesteps of {@link TrajectoryKind#EXPLICIT}, else ignored
   * @return the trajectory
   * @throws IllegalArgumentException if the kind cannot give K distinct timesteps, or a needed
   *     input is missing
   */
  public static Trajectory of(
      TrajectoryKind kind, NoiseSchedule schedule, double[] gammaEps, int k, int[] explicit) {
    return of(kind, schedule, gammaEps, k, explicit, 0);
  }

  /**
   * {@link #of(TrajectoryKind, NoiseSchedule, double[], int, int[])} with diffusers'
   * {@code steps_offset}, which only {@link TrajectoryKind#LEADING} uses.
   *
   * @param kind how to choose the timesteps
   * @param schedule the model's schedule
   * @param gammaEps Γ^eps[0..N] (optimal only)
   * @param k K
   * @param explicit the explicit timesteps, else ignored
   * @param stepsOffset diffusers' {@code steps_offset} (leading only), ≥ 0
   * @return the trajectory
   */
  public static Trajectory of(TrajectoryKind kind, NoiseSchedule schedule, double[] gammaEps, int k,
      int[] explicit, int stepsOffset) {
    int n = schedule.steps();
    return switch (kind) {
      case LEADING -> DiffusersSpacing.leading(n, k, stepsOffset);
      case TRAILING -> DiffusersSpacing.trailing(n, k);
      case LINSPACE -> DiffusersSpacing.linspace(n, k);
      case EVEN -> even(n, k);
      case QUADRATIC -> quadratic(n, k);
      case UNIFORM -> uniform(n, k);
      case OPTIMAL -> {
        if (gammaEps == null) {
          throw new IllegalArgumentException("the optimal trajectory needs the model's Γ moments");
        }
        yield optimal(schedule, gammaEps, k);
      }
      case EXPLICIT -> {
        if (explicit == null) {
          throw new IllegalArgumentException("an explicit trajectory needs its timesteps");
        }
        yield explicit(explicit, n);
      }
    };
  }

  /**
   * DDIM's quadratic trajectory (Analytic-DPM {@code _choice_steps_quad_ddim}, from Song et al.
   * 2020a): τ_k = ⌊(linspace(0, √(0.8N), K)_k)²⌋ + 1. It ends near 0.8N, not at N (N=1000,
   * K=10: 1, 10, 40, 89, 159, 247, 356, 484, 633, 801).
   *
   * @param n N
   * @param k K ≥ 2
   * @return the trajectory
   * @throws IllegalArgumentException if K is so large that two timesteps coincide (the Python
   *     code would silently repeat them)
   */
  public static Trajectory quadratic(int n, int k) {
    checkK(n, k);
    double stop = Math.sqrt(n * 0.8);
    double step = stop / (k - 1); // numpy.linspace: start + i·step, last = stop
    int[] t = new int[k];
    for (int i = 0; i < k; i++) {
      double u = i == k - 1 ? stop : i * step;
      t[i] = (int) (u * u) + 1;
      if (i > 0 && t[i] <= t[i - 1]) {
        throw new IllegalArgumentException("the quadratic trajectory repeats timestep " + t[i]
            + " for N=" + n + ", K=" + k + "; use fewer steps or another trajectory");
      }
    }
    return explicit(t, n);
  }

  /**
   * DDIM's uniform trajectory (Analytic-DPM {@code _choice_steps_linear_ddim}): skip = ⌊N/K⌋,
   * τ_k = 1 + (k−1)·skip. It need not end at N. The Python code takes all of
   * {@code range(1, N+1, skip)} and asserts that this has K entries; here the first K are taken,
   * which is the same whenever the Python code runs.
   *
   * @param n N
   * @param k K ≥ 2
   * @return the trajectory
   */
  public static Trajectory uniform(int n, int k) {
    checkK(n, k);
    int skip = n / k;
    int[] t = new int[k];
    for (int i = 0; i < k; i++) {
      t[i] = 1 + i * skip;
    }
    return explicit(t, n);
  }

  /**
   * The cost of one step of the optimal-trajectory DP (Analytic-DPM Thm 3, DDPM forward process),
   * in ε units: J(s, t) = log(1 − β_{t|s}·Γ^eps_t/β̄_t) = log(σ*²_{s|t}/λ²_{s|t}) up to a
   * telescoping constant. The KL of a trajectory is (d/2)·Σ_k J(τ_{k−1}, τ_k) + const.
   *
   * @param schedule schedule
   * @param gammaEps Γ^eps[0..N]
   * @param s earlier step, 1 ≤ s &lt; t
   * @param t later step
   * @return J(s, t) (NaN when Γ^eps_t is so far above 1 that the argument is not positive)
   */
  public static double stepCost(NoiseSchedule schedule, double[] gammaEps, int s, int t) {
    return Math.log1p(-schedule.skipBeta(s, t) * gammaEps[t] / schedule.betaBar(t));
  }

  /**
   * Σ_{k=2..K} J(τ_{k−1}, τ_k), the part of the trajectory's KL that the optimal trajectory
   * minimises (see {@link #stepCost}).
   *
   * @param schedule schedule
   * @param gammaEps Γ^eps[0..N]
   * @return the cost of this trajectory
   */
  public double cost(NoiseSchedule schedule, double[] gammaEps) {
    double c = 0;
    for (int i = 1; i < timesteps.length; i++) {
      c += stepCost(schedule, gammaEps, timesteps[i - 1], timesteps[i]);
    }
    return c;
  }

  /**
   * The Analytic-DPM optimal trajectory (Bao et al. 2022 §4, Thm 3; code {@code _dp_seg}): the
   * K timesteps 1 = τ₁ &lt; … &lt; τ_K = N minimising Σ J(τ_{k−1}, τ_k) (see {@link #stepCost}),
   * found by dynamic programming C[k][t] = min_{s&lt;t} C[k−1][s] + J(s, t), ties going to the
   * smallest s as numpy's {@code argmin} does.
   *
   * <p>Bad tail (code only, not in the paper): theory gives Γ^eps ≤ 1, but an imperfect network
   * can exceed it at large n. If n₁ is the first n with Γ^eps_n &gt; 1, the last
   * num_bad = 2(N − n₁ + 1) steps are left out of the DP: it runs on [1, N₁ = N − num_bad] with
   * K₁ = ⌈(1 − 0.8·num_bad/N)·K⌉ nodes (adjusted so K₁ ≤ N₁, K₂ = K − K₁ ≤ num_bad and K₂ ≥ 1),
   * and K₂ evenly spaced nodes round(N − k·num_bad/K₂), k = 0..K₂−1 (half-even), cover the tail.
   * One deliberate difference: the Python code scans n &lt; N only, so a Γ above 1 at n = N alone
   * would put log of a negative number into its DP; here n = N is scanned too.
   *
   * <p>Cost: the J table takes O(N²/2) time and memory (4 MB at N = 1000, 64 MB at N = 4000); the
   * DP visits only the feasible cells (τ_k ∈ [k, N − K + k]), O(K·(N − K + 1)²/2) additions, at
   * most about 0.074·N³ (K ≈ N/3). Measured on a busy 2-core machine: ≤ 0.3 s for N = 1000 at
   * any K; N = 4000: 1.8 s at K = 100, 14 s at the worst K ≈ 1333.
   *
   * @param schedule schedule (N)
   * @param gammaEps Γ^eps[0..N], ε units
   * @param k K, 2 ≤ K ≤ N
   * @return the trajectory
   * @throws IllegalArgumentException if K is out of range, Γ has the wrong length, or the bad
   *     tail leaves too little room for K nodes
   */
  public static Trajectory optimal(NoiseSchedule schedule, double[] gammaEps, int k) {
    int n = schedule.steps();
    checkK(n, k);
    if (gammaEps.length != n + 1) {
      throw new IllegalArgumentException(
          "gamma has " + gammaEps.length + " entries, expected N+1 = " + (n + 1));
    }
    int firstOver = n + 1; // code _split: first n with Γ^eps_n > 1
    for (int i = 1; i <= n; i++) {
      if (gammaEps[i] > 1.0) {
        firstOver = i;
        break;
      }
    }
    int numBad = 2 * (n - firstOver + 1);
    int n1 = n - numBad;
    int k1 = (int) Math.ceil((1.0 - 0.8 * ((double) numBad / n)) * k); // as in Python
    int k2 = k - k1;
    if (k1 > n1) {
      k1 = n1;
      k2 = k - k1;
    }
    if (k2 > numBad) {
      k2 = numBad;
      k1 = k - k2;
    }
    if (numBad > 0 && k2 == 0) {
      k2 = 1;
      k1 = k - 1;
    }
    if (k1 < 2 || k1 > n1 || k2 > numBad) {
      throw new IllegalArgumentException("Γ exceeds 1 from n=" + firstOver
          + " on; the bad tail leaves no room for an optimal trajectory of K=" + k);
    }
    int[] t = new int[k];
    System.arraycopy(solveDp(schedule, gammaEps, n1, k1), 0, t, 0, k1);
    double frac = (double) numBad / k2;
    for (int i = 0; i < k2; i++) { // steps2 = reversed [round(N − frac·j) for j in range(K2)]
      t[k - 1 - i] = (int) Math.rint(n - frac * i);
    }
    return explicit(t, n);
  }

  /** Least-cost K-node path 1 = τ₁ &lt; … &lt; τ_K = m over nodes [1, m] (code _solve_fn_dp). */
  private static int[] solveDp(NoiseSchedule schedule, double[] gammaEps, int m, int k) {
    int[] path = new int[k];
    if (m == k) {
      for (int i = 0; i < k; i++) {
        path[i] = i + 1;
      }
      return path;
    }
    // j[t][s] = J(s, t) for 1 ≤ s < t ≤ m, rows contiguous in s for the inner loop.
    double[][] j = new double[m + 1][];
    for (int t = 2; t <= m; t++) {
      double g = gammaEps[t] / schedule.betaBar(t);
      double la = schedule.logAlphaBar(t);
      double[] row = new double[t];
      for (int s = 1; s < t; s++) {
        row[s] = Math.log1p(Math.expm1(la - schedule.logAlphaBar(s)) * g); // log(1 − β_{t|s} g)
      }
      j[t] = row;
    }
    int width = m - k + 1; // τ_k ∈ [k, k + width − 1]
    double[] prev = new double[width]; // C[k−1][·] at offsets: node = (k−1) + offset
    double[] cur = new double[width];
    int[][] arg = new int[k + 1][width]; // D[k][t], the best τ_{k−1} for τ_k = t
    for (int o = 0; o < width; o++) {
      prev[o] = j[o + 2][1]; // C[2][t] = J(1, t), t = 2 + o
      arg[2][o] = 1;
    }
    for (int kk = 3; kk <= k; kk++) {
      for (int o = 0; o < width; o++) {
        int t = kk + o;
        double[] row = j[t];
        double best = Double.POSITIVE_INFINITY;
        int bestS = -1;
        for (int so = 0; so <= o; so++) { // s = kk − 1 + so < t
          double c = prev[so] + row[kk - 1 + so];
          if (c < best) {
            best = c;
            bestS = kk - 1 + so;
          }
        }
        cur[o] = best;
        arg[kk][o] = bestS;
      }
      double[] tmp = prev;
      prev = cur;
      cur = tmp;
    }
    int node = m;
    for (int kk = k; kk >= 2; kk--) {
      path[kk - 1] = node;
      node = arg[kk][node - kk];
    }
    path[0] = 1;
    return path;
  }

  static void checkK(int n, int k) {
    if (k < 2 || k > n) {
      throw new IllegalArgumentException("need 2 <= K <= N, got K=" + k + ", N=" + n);
    }
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
