package dev.dpm.core.trajectory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Trajectories against the reference's outputs (analytic-dpm.md §2.7–2.8). The expected
 * optimal trajectories were produced by the reference Python code ({@code _dp_seg} of
 * baofff/Analytic-DPM, numpy float64) on the same Γ.
 */
class TrajectoryTest {
  private static final NoiseSchedule LINEAR = NoiseSchedule.linear(1000);
  private static final double[] GAMMA_GAUSS = dev.dpm.core.moments.Moments.isotropicGaussian(LINEAR, 0.25);

  private static int[] range(int from, int to) {
    int[] r = new int[to - from + 1];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }

  @Test
  void evenMatchesReferenceOutputs() {
    int[] k10 = Trajectory.even(1000, 10).timesteps();
    assertArrayEquals(new int[] {1, 112, 223, 334, 445, 556, 667, 778, 889, 1000}, k10);
    assertArrayEquals(new int[] {1, 43, 84, 126, 168, 209, 251, 292, 334, 376, 417, 459, 500, 542,
        584, 625, 667, 709, 750, 792, 834, 875, 917, 958, 1000}, Trajectory.even(1000, 25).timesteps());
    assertArrayEquals(new int[] {1, 21, 42, 62, 83, 103, 123, 144, 164, 184, 205, 225, 246, 266, 286,
        307, 327, 348, 368, 388, 409, 429, 450, 470, 490, 511, 531, 551, 572, 592, 613, 633, 653, 674,
        694, 715, 735, 755, 776, 796, 817, 837, 857, 878, 898, 918, 939, 959, 980, 1000},
        Trajectory.even(1000, 50).timesteps());
    int[] k100 = Trajectory.even(1000, 100).timesteps();
    assertArrayEquals(new int[] {1, 11, 21, 31, 41, 51, 62, 72}, Arrays.copyOf(k100, 8));
    assertArrayEquals(new int[] {980, 990, 1000}, Arrays.copyOfRange(k100, 97, 100));
    assertEquals(506, k100[50]); // Python round(): 505.999... -> 506, 495 before it
    assertEquals(2000, Trajectory.even(4000, 25).tau(13)); // half-even, not 2001
    assertArrayEquals(range(1, 1000), Trajectory.even(1000, 1000).timesteps());
  }

  @Test
  void quadraticAndUniformMatchDdimCode() {
    assertArrayEquals(new int[] {1, 10, 40, 89, 159, 247, 356, 484, 633, 801},
        Trajectory.quadratic(1000, 10).timesteps());
    assertArrayEquals(new int[] {1, 2, 6, 13, 23, 35, 51, 69, 89, 113, 139, 169, 201, 235, 273, 313,
        356, 402, 451, 502, 556, 613, 673, 735, 801}, Trajectory.quadratic(1000, 25).timesteps());
    // K = 50 would repeat timestep 1 (Python gives 1, 1, 2, ...): refused
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Trajectory.quadratic(1000, 50));
    assertTrue(e.getMessage().contains("repeats"), e.getMessage());
    assertArrayEquals(new int[] {1, 101, 201, 301, 401, 501, 601, 701, 801, 901},
        Trajectory.uniform(1000, 10).timesteps());
    assertArrayEquals(new int[] {1, 334, 667}, Trajectory.uniform(1000, 3).timesteps());
    assertEquals(25, Trajectory.uniform(1000, 25).size());
    assertEquals(961, Trajectory.uniform(1000, 25).tau(25));
  }

  @Test
  void stepsComeFromTheTimesteps() {
    List<Trajectory.Step> steps = Trajectory.quadratic(1000, 10).steps();
    assertEquals(new Trajectory.Step(801, 633), steps.get(0));
    assertEquals(new Trajectory.Step(10, 1), steps.get(8));
    assertEquals(new Trajectory.Step(1, 0), steps.get(9));
  }

  @Test
  void ofDispatchesAndValidates() {
    assertEquals(Trajectory.even(1000, 10), Trajectory.of(TrajectoryKind.EVEN, LINEAR, null, 10, null));
    assertEquals(Trajectory.uniform(1000, 7), Trajectory.of(TrajectoryKind.UNIFORM, LINEAR, null, 7, null));
    assertEquals(Trajectory.explicit(new int[] {5, 9}, 1000),
        Trajectory.of(TrajectoryKind.EXPLICIT, LINEAR, null, 0, new int[] {5, 9}));
    assertThrows(IllegalArgumentException.class,
        () -> Trajectory.of(TrajectoryKind.OPTIMAL, LINEAR, null, 10, null));
    assertThrows(IllegalArgumentException.class, () -> Trajectory.even(1000, 1));
    assertThrows(IllegalArgumentException.class, () -> Trajectory.even(1000, 1001));
  }

  /**
   * A Γ^eps that does not telescope: the exact Γ of N(0, v I) with a variance growing in t,
   * v(t) = 0.0025 + 0.3·t/N (roughly the ring oracle's shape: narrow components at small t, the
   * whole ring at large t).
   */
  private static double[] growingGamma(NoiseSchedule sched) {
    int n = sched.steps();
    double[] g = new double[n + 1];
    for (int t = 1; t <= n; t++) {
      double v = 0.0025 + 0.3 * t / n;
      g[t] = sched.betaBar(t) / (sched.alphaBar(t) * v + sched.betaBar(t));
    }
    return g;
  }

  @Test
  void optimalMatchesReferenceDp() {
    double[] g = growingGamma(LINEAR);
    assertArrayEquals(new int[] {1, 1000}, Trajectory.optimal(LINEAR, g, 2).timesteps());
    assertArrayEquals(new int[] {1, 155, 1000}, Trajectory.optimal(LINEAR, g, 3).timesteps());
    assertArrayEquals(new int[] {1, 9, 19, 33, 54, 87, 141, 239, 437, 1000},
        Trajectory.optimal(LINEAR, g, 10).timesteps());
    assertArrayEquals(new int[] {1, 3, 5, 7, 10, 13, 17, 21, 26, 31, 37, 44, 53, 63, 75, 90, 109,
        132, 162, 200, 251, 321, 422, 586, 1000}, Trajectory.optimal(LINEAR, g, 25).timesteps());
    assertArrayEquals(concat(range(1, 38), new int[] {40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60,
        62, 64, 66, 69, 72, 75, 78, 81, 84, 87, 90, 94, 98, 102, 106, 110, 114, 119, 124, 129, 134,
        140, 146, 152, 159, 166, 174, 182, 190, 199, 209, 219, 230, 242, 254, 267, 281, 296, 313,
        331, 351, 373, 397, 424, 455, 491, 533, 585, 655, 762, 1000}),
        Trajectory.optimal(LINEAR, g, 100).timesteps());
    assertArrayEquals(range(1, 1000), Trajectory.optimal(LINEAR, g, 1000).timesteps());
  }

  @Test
  void optimalHasItsShapeAndBeatsEven() {
    double[] g = growingGamma(LINEAR);
    for (int k : new int[] {2, 3, 10, 25, 50, 100, 200, 500, 999}) {
      Trajectory opt = Trajectory.optimal(LINEAR, g, k);
      assertEquals(k, opt.size());
      assertEquals(1, opt.tau(1));
      assertEquals(1000, opt.tau(k));
      double even = Trajectory.even(1000, k).cost(LINEAR, g);
      double best = opt.cost(LINEAR, g);
      assertTrue(best <= even + 1e-12, "K=" + k + ": optimal " + best + " > even " + even);
      if (k >= 3 && k <= 200) {
        assertTrue(best < even - 1e-3, "K=" + k + ": optimal " + best + " vs even " + even);
      }
    }
  }

  /**
   * For Gaussian data the cost telescopes: 1 − β_{t|s}Γ_t/β̄_t = (ᾱ_t/ᾱ_s)V_s/V_t with
   * V_n = ᾱ_n s² + β̄_n, so every trajectory from 1 to N costs log ᾱ_N − log ᾱ₁ + log V₁ − log V_N
   * (Analytic-DPM is exact there, so the KL cannot depend on the path). The DP is then only as
   * good as any other path, never worse.
   */
  @Test
  void gaussianCostIsPathIndependent() {
    double v1 = LINEAR.alphaBar(1) * 0.25 + LINEAR.betaBar(1);
    double vn = LINEAR.alphaBar(1000) * 0.25 + LINEAR.betaBar(1000);
    double closed = LINEAR.logAlphaBar(1000) - LINEAR.logAlphaBar(1) + Math.log(v1 / vn);
    for (int k : new int[] {2, 10, 25, 100}) {
      double even = Trajectory.even(1000, k).cost(LINEAR, GAMMA_GAUSS);
      double opt = Trajectory.optimal(LINEAR, GAMMA_GAUSS, k).cost(LINEAR, GAMMA_GAUSS);
      assertEquals(closed, even, 1e-10, "K=" + k);
      assertTrue(opt <= even + 1e-10, "K=" + k);
    }
  }

  @Test
  void optimalIsTheExhaustiveMinimumOnASmallProblem() {
    NoiseSchedule sched = NoiseSchedule.ofBetas(new double[] {
        0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.2, 0.24, 0.28, 0.3});
    double[] gamma = growingGamma(sched);
    for (int k = 2; k <= 12; k++) {
      double best = bruteForce(sched, gamma, k);
      double dp = Trajectory.optimal(sched, gamma, k).cost(sched, gamma);
      assertEquals(best, dp, 1e-12, "K=" + k);
    }
  }

  /** Min over all K-subsets of [1, N] with τ₁ = 1, τ_K = N of the path cost. */
  private static double bruteForce(NoiseSchedule sched, double[] gamma, int k) {
    int n = sched.steps();
    double best = Double.POSITIVE_INFINITY;
    for (int mask = 0; mask < 1 << (n - 2); mask++) {
      if (Integer.bitCount(mask) != k - 2) {
        continue;
      }
      int[] t = new int[k];
      t[0] = 1;
      int i = 1;
      for (int b = 0; b < n - 2; b++) {
        if ((mask & (1 << b)) != 0) {
          t[i++] = b + 2;
        }
      }
      t[k - 1] = n;
      best = Math.min(best, Trajectory.explicit(t, n).cost(sched, gamma));
    }
    return best;
  }

  @Test
  void optimalBadTailFollowsTheCodeHeuristic() {
    double[] bad = growingGamma(LINEAR);
    for (int n = 950; n <= 1000; n++) {
      bad[n] *= 1.001; // Γ^eps > 1 from n = 950: num_bad = 102, N₁ = 898
    }
    assertTrue(bad[950] > 1 && bad[949] < 1);
    assertArrayEquals(new int[] {1, 10, 22, 40, 68, 116, 205, 390, 898, 1000},
        Trajectory.optimal(LINEAR, bad, 10).timesteps());
    assertArrayEquals(new int[] {1, 3, 6, 9, 12, 16, 20, 25, 31, 38, 46, 56, 68, 82, 100, 122, 150,
        186, 234, 300, 396, 549, 898, 949, 1000}, Trajectory.optimal(LINEAR, bad, 25).timesteps());
    assertArrayEquals(concat(range(1, 34), new int[] {36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56,
        58, 60, 63, 66, 69, 72, 75, 78, 81, 85, 89, 93, 97, 101, 106, 111, 116, 121, 127, 133, 139,
        146, 153, 161, 169, 178, 187, 197, 207, 218, 230, 243, 257, 272, 288, 306, 326, 348, 372, 399,
        429, 464, 505, 555, 620, 715, 898, 911, 924, 936, 949, 962, 974, 987, 1000}),
        Trajectory.optimal(LINEAR, bad, 100).timesteps());
    // Γ above 1 at n = N only (which the Python scan misses) also takes the tail branch.
    double[] last = growingGamma(LINEAR);
    last[1000] = 1.01;
    Trajectory t = Trajectory.optimal(LINEAR, last, 10);
    assertEquals(998, t.tau(9));
    assertEquals(1000, t.tau(10));
    // A tail that covers everything leaves no room.
    double[] all = GAMMA_GAUSS.clone();
    Arrays.fill(all, 1, 1001, 1.5);
    assertThrows(IllegalArgumentException.class, () -> Trajectory.optimal(LINEAR, all, 10));
  }

}
