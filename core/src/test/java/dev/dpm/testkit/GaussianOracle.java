package dev.dpm.testkit;

import dev.dpm.core.continuous.VpSde;

import dev.dpm.core.model.NoisePredictor;

/**
 * The exact ε of the data distribution N(0, s² I) under a VP-type SDE: x_t ~ N(0, (α²s² + σ²) I)
 * and ε*(x, t) = −σ ∇log q_t(x) = σ x/(α²s² + σ²). For the matched VP-SDE this is
 * √β̄(n)·x/(ᾱ(n)s² + β̄(n)) at fractional n. Computed in double, returned as float32.
 */
public final class GaussianOracle implements NoisePredictor {
  private final VpSde sde;
  private final double s2;
  private final int d;

  public GaussianOracle(VpSde sde, double s2, int d) {
    this.sde = sde;
    this.s2 = s2;
    this.d = d;
  }

  /** @return Var(x_t) per coordinate, α(t)²s² + σ(t)² */
  public double variance(double t) {
    double a = sde.alpha(t);
    double s = sde.sigma(t);
    return a * a * s2 + s * s;
  }

  /** The closed-form probability-flow map x(from) ↦ x(to) = x(from)·√(v(to)/v(from)). */
  public double flowScale(double from, double to) {
    return Math.sqrt(variance(to) / variance(from));
  }

  /** @return log q_t(x) */
  public double logDensity(float[] x, double t) {
    double v = variance(t);
    double q = 0;
    for (float xi : x) {
      q += (double) xi * xi;
    }
    return -0.5 * q / v - 0.5 * x.length * Math.log(2 * Math.PI * v);
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    float[] out = new float[batch * d];
    for (int b = 0; b < batch; b++) {
      double t = time[b] / sde.steps();
      double c = sde.sigma(t) / variance(t);
      for (int j = 0; j < d; j++) {
        out[b * d + j] = (float) (c * x[b * d + j]);
      }
    }
    return out;
  }

  @Override
  public int dimension() {
    return d;
  }

  @Override
  public void close() {}
}
