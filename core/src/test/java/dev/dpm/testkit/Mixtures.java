package dev.dpm.testkit;

import dev.dpm.core.model.MixtureSpec;

/**
 * The two bundled oracle mixtures, spelled in code so that core's tests need no manifest reader. A runtime test
 * ({@code BundledOraclesTest}) checks that {@code models/gaussian} and {@code models/gmm-ring-2d} describe exactly
 * these.
 */
public final class Mixtures {
  /** {@code models/gaussian}: N(0, 0.25 I) in 2-D. */
  public static final MixtureSpec GAUSSIAN =
      new MixtureSpec(new double[] {1.0}, new double[][] {{0.0, 0.0}}, new double[] {0.5});

  private static final double D = 0.5656854249492381;

  /** {@code models/gmm-ring-2d}: 8 equal-weight Gaussians (std 0.05) at 0.8·(cos kπ/4, sin kπ/4). */
  public static final MixtureSpec RING = new MixtureSpec(
      new double[] {0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125},
      new double[][] {{0.8, 0.0}, {D, D}, {0.0, 0.8}, {-D, D}, {-0.8, 0.0}, {-D, -D}, {0.0, -0.8}, {D, -D}},
      new double[] {0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05});

  private Mixtures() {}
}
