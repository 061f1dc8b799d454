package dev.dpm.core.continuous;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.schedule.NoiseSchedule;

/** The two bundled oracle models (as in models/gaussian and models/gmm-ring-2d). */
final class Oracles {
  static final NoiseSchedule SCHED = NoiseSchedule.linear(1000);
  static final VpSde SDE = VpSde.matched(SCHED);
  static final MixtureSpec GAUSSIAN =
      new MixtureSpec(new double[] {1.0}, new double[][] {{0.0, 0.0}}, new double[] {0.5});
  static final MixtureSpec RING = ring();
  static final GaussianMixturePredictor GAUSSIAN_MODEL = new GaussianMixturePredictor(GAUSSIAN, SCHED);
  static final GaussianMixturePredictor RING_MODEL = new GaussianMixturePredictor(RING, SCHED);
  /** Context without Γ. */
  static final ModelContext CTX = new ModelContext(SCHED, 2, DataRange.UNBOUNDED, false, null);
  /** Context with the Gaussian's exact Γ. */
  static final ModelContext GAUSSIAN_CTX = new ModelContext(SCHED, 2, DataRange.UNBOUNDED, false,
      dev.dpm.core.moments.Moments.isotropicGaussian(SCHED, 0.25));

  private Oracles() {}

  private static MixtureSpec ring() {
    double[][] means = new double[8][2];
    double[] w = new double[8];
    double[] s = new double[8];
    for (int k = 0; k < 8; k++) {
      means[k][0] = 0.8 * Math.cos(k * Math.PI / 4);
      means[k][1] = 0.8 * Math.sin(k * Math.PI / 4);
      w[k] = 0.125;
      s[k] = 0.05;
    }
    return new MixtureSpec(w, means, s);
  }

  /** Index of the nearest ring mean. */
  static int mode(float[] x) {
    int best = 0;
    double bd = Double.POSITIVE_INFINITY;
    for (int k = 0; k < 8; k++) {
      double dx = x[0] - RING.means()[k][0];
      double dy = x[1] - RING.means()[k][1];
      double dd = dx * dx + dy * dy;
      if (dd < bd) {
        bd = dd;
        best = k;
      }
    }
    return best;
  }
}
