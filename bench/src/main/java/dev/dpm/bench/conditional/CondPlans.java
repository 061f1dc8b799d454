package dev.dpm.bench.conditional;

import dev.dpm.bench.metrics.FeatureStats;
import dev.dpm.bench.metrics.FrechetDistance;
import dev.dpm.bench.quality.Method;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.sampler.DiscreteSampler;
import dev.dpm.core.sampler.PlanStep;
import dev.dpm.core.sampler.Sampler;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Helpers of {@link ConditionalBenchmark}: the analytic samplers' plans against the plain ones (the steps their Γ
 * clips to λ², whether two samplers run the same σ²), the FD with a ridge fall-back, and the Γ tags of result keys.
 */
final class CondPlans {
  private CondPlans() {}

  /** The plain method whose steps an analytic one takes where its variance is clipped to λ². */
  static Method partner(Method me) {
    return me == Method.ANALYTIC_DDPM ? Method.DDPM_POSTERIOR : me == Method.ANALYTIC_DDIM ? Method.DDIM : null;
  }

  /** Whether two discrete samplers per class run the same steps with the same σ² (then: the same samples). */
  static boolean samePlans(Sampler[] a, Sampler[] b) {
    for (int c = 0; c < a.length; c++) {
      if (!(a[c] instanceof DiscreteSampler da) || !(b[c] instanceof DiscreteSampler db)) {
        return false;
      }
      List<PlanStep> pa = da.plan();
      List<PlanStep> pb = db.plan();
      if (pa.size() != pb.size()) {
        return false;
      }
      for (int i = 0; i < pa.size(); i++) {
        if (pa.get(i).from() != pb.get(i).from() || pa.get(i).to() != pb.get(i).to()
            || pa.get(i).sigma2() != pb.get(i).sigma2() || pa.get(i).lambda2() != pb.get(i).lambda2()) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The noisy steps (s &gt; 0) of a discrete sampler where Γ_t ≥ 1: there the analytic estimate of Cov[x₀ | x_t] is
   * ≤ 0, clipped to 0, and the analytic variance is its lower bound λ² (the plain sampler's).
   */
  static int clippedSteps(Sampler sampler) {
    if (!(sampler instanceof DiscreteSampler d)) {
      return 0;
    }
    int n = 0;
    for (PlanStep p : d.plan()) {
      n += p.to() > 0 && p.gamma() != null && p.gamma() >= 1.0 ? 1 : 0;
    }
    return n;
  }

  static int noisySteps(Sampler sampler) {
    if (!(sampler instanceof DiscreteSampler d)) {
      return 0;
    }
    return (int) d.plan().stream().filter(p -> p.to() > 0).count();
  }

  /**
   * FD; when the eigensolver does not converge (a sample covariance of fewer rows than features, with exactly
   * zero ReLU features, can defeat commons-math's), retried with a ridge of 10⁻¹⁰…10⁻⁶ × tr Σ/dim on the sample
   * covariance: far below the FD's own error.
   */
  static double robustDistance(FeatureStats a, FeatureStats ref) {
    try {
      return FrechetDistance.distance(a, ref);
    } catch (org.apache.commons.math3.exception.MathIllegalStateException e) {
      int dim = a.dimension();
      double tr = 0;
      for (int j = 0; j < dim; j++) {
        tr += a.cov()[j][j];
      }
      for (double eps = 1e-10; ; eps *= 100) {
        double[][] c = new double[dim][];
        for (int j = 0; j < dim; j++) {
          c[j] = a.cov()[j].clone();
          c[j][j] += eps * Math.max(tr / dim, 1e-12);
        }
        try {
          return FrechetDistance.distance(a.mean(), c, ref.mean(), ref.cov());
        } catch (org.apache.commons.math3.exception.MathIllegalStateException again) {
          if (eps >= 1e-6) {
            throw again;
          }
        }
      }
    }
  }

  static String tag(double[] g) {
    return g == null ? null : String.format(Locale.ROOT, "%08x", Arrays.hashCode(g));
  }

  static String tag(GuidedGamma g) {
    int h = Arrays.hashCode(g.scales()) * 31 + (g.pooled() ? 1 : 0);
    for (int c = 0; c < g.slots(); c++) {
      for (int i = 0; i < g.scales().length; i++) {
        h = h * 31 + Arrays.hashCode(g.at(c, i));
      }
    }
    return String.format(Locale.ROOT, "%08x", h);
  }

}
