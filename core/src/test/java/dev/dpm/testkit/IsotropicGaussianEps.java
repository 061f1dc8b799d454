package dev.dpm.testkit;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.schedule.NoiseSchedule;

/**
 * The exact ε predictor for data x₀ ~ N(μ, s²I): ε*(x, n) = √β̄_n (x − √ᾱ_n μ)/(ᾱ_n s² + β̄_n)
 * (E[ε | x_n] under the forward process), written independently of the main code for tests.
 * Time must be an integer step index.
 */
public final class IsotropicGaussianEps implements NoisePredictor {
  private final NoiseSchedule sched;
  private final int d;
  private final double mean;
  private final double variance;
  private long rows;

  /**
   * @param sched schedule
   * @param d dimension
   * @param mean μ (the same in every coordinate)
   * @param variance s²
   */
  public IsotropicGaussianEps(NoiseSchedule sched, int d, double mean, double variance) {
    this.sched = sched;
    this.d = d;
    this.mean = mean;
    this.variance = variance;
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    float[] out = new float[batch * d];
    for (int r = 0; r < batch; r++) {
      int n = (int) time[r];
      if (n != time[r]) {
        throw new IllegalArgumentException("integer time expected, got " + time[r]);
      }
      double ab = sched.alphaBar(n);
      double bb = sched.betaBar(n);
      double k = Math.sqrt(bb) / (ab * variance + bb);
      for (int j = 0; j < d; j++) {
        out[r * d + j] = (float) (k * (x[r * d + j] - Math.sqrt(ab) * mean));
      }
    }
    rows += batch;
    return out;
  }

  /** @return rows evaluated so far */
  public long rowsEvaluated() {
    return rows;
  }

  @Override
  public int dimension() {
    return d;
  }

  @Override
  public void close() {}
}
