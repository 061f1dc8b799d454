package dev.dpm.core.moments;

import dev.dpm.core.io.DataSet;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.concurrent.CancellationException;
import java.util.function.LongConsumer;

/**
 * Estimates Γ^eps_n = E‖ε_θ(x_n, n)‖²/d (ε units, reference §2.3) and gives its closed form for
 * an isotropic Gaussian.
 *
 * <p>The Monte-Carlo estimator is the official code's {@code save_ms_eps} (reference §4.1): for
 * each step n and each of the M data rows x₀, one fresh ε ~ N(0, I), x_n = √ᾱ_n x₀ + √β̄_n ε, and
 * Γ^eps_n is the mean over rows of mean_j ε_θ(x_n, n)_j². The cost is M·N evaluations. The noise
 * of row m at step n is draw n of stream m of {@code new NoiseSource(seed)}, so an estimate does
 * not depend on the batch size or on which steps are estimated.
 */
public final class Moments {
  private Moments() {}

  /**
   * A Monte-Carlo estimate on a set of steps.
   *
   * @param steps the steps estimated, ascending, [S]
   * @param mean Γ^eps at those steps, [S]
   * @param stdError standard error of each mean (sample std over rows / √M), [S]
   * @param samples M, the rows averaged
   * @param seed the noise seed
   * @param data description of the data
   */
  public record Estimate(int[] steps, double[] mean, double[] stdError, int samples, long seed, String data) {
    /**
     * The full Γ vector (index 0 = 0), when every step 1..N was estimated.
     *
     * @param n N
     * @param provenance the provenance to attach
     * @return Γ
     * @throws IllegalStateException when not every step 1..N was estimated
     */
    public Gamma toGamma(int n, Provenance provenance) {
      if (steps.length != n || steps[0] != 1 || steps[n - 1] != n) {
        throw new IllegalStateException("estimate covers " + steps.length + " steps, not all of 1.." + n);
      }
      double[] g = new double[n + 1];
      double[] se = new double[n + 1];
      System.arraycopy(mean, 0, g, 1, n);
      System.arraycopy(stdError, 0, se, 1, n);
      return new Gamma(g, se, provenance);
    }
  }

  /**
   * @param rows M
   * @param steps number of steps estimated
   * @return the number of network evaluations (rows) an estimate takes
   */
  public static long evaluations(int rows, int steps) {
    return (long) rows * steps;
  }

  /**
   * Estimates Γ^eps at every step 1..N.
   *
   * @param model the ε predictor
   * @param sched the model's schedule
   * @param data M ≥ 2 data rows in model coordinates
   * @param seed noise seed
   * @param batchSize rows per evaluation
   * @param progress receives the cumulative number of evaluations done after each batch, out of
   *     {@link #evaluations(int, int) evaluations(M, N)} (may be null)
   * @return the estimate
   */
  public static Estimate estimate(NoisePredictor model, NoiseSchedule sched, DataSet data, long seed,
      int batchSize, LongConsumer progress) {
    int[] all = new int[sched.steps()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i + 1;
    }
    return estimateAt(model, sched, data, all, seed, batchSize, progress);
  }

  /**
   * Estimates Γ^eps at the given steps.
   *
   * @param model the ε predictor
   * @param sched the model's schedule
   * @param data M ≥ 2 data rows in model coordinates
   * @param steps strictly ascending steps in [1, N]
   * @param seed noise seed
   * @param batchSize rows per evaluation (≥ 1)
   * @param progress cumulative evaluations done (may be null)
   * @return the estimate
   * @throws CancellationException if the thread is interrupted between batches
   */
  public static Estimate estimateAt(NoisePredictor model, NoiseSchedule sched, DataSet data, int[] steps,
      long seed, int batchSize, LongConsumer progress) {
    int d = data.dimension();
    int m = data.size();
    if (model.dimension() != d) {
      throw new IllegalArgumentException("data rows have " + d + " values, the model takes " + model.dimension());
    }
    if (m < 2) {
      throw new IllegalArgumentException("the Monte-Carlo estimate needs at least 2 data rows, got " + m);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1");
    }
    for (int i = 0; i < steps.length; i++) {
      if (steps[i] < 1 || steps[i] > sched.steps() || (i > 0 && steps[i] <= steps[i - 1])) {
        throw new IllegalArgumentException("steps must be strictly ascending within [1, " + sched.steps() + "]");
      }
    }
    NoiseSource noise = new NoiseSource(seed);
    double[] sum = new double[steps.length];
    double[] sumSq = new double[steps.length];
    long total = evaluations(m, steps.length);
    float[] x0 = new float[d];
    float[] eps = new float[d];
    float[] x = new float[batchSize * d]; // [B, d]
    double[] time = new double[batchSize];
    int[] rowStep = new int[batchSize]; // index into steps of each row of the batch
    long done = 0;
    while (done < total) {
      if (Thread.currentThread().isInterrupted()) {
        throw new CancellationException("Γ estimation interrupted");
      }
      int b = (int) Math.min(batchSize, total - done);
      for (int r = 0; r < b; r++) {
        long p = done + r;
        int k = (int) (p / m);
        int row = (int) (p % m);
        int n = steps[k];
        data.copyRow(row, x0, 0);
        noise.gaussian(row, n, eps);
        double sa = Math.sqrt(sched.alphaBar(n));
        double sb = Math.sqrt(sched.betaBar(n));
        for (int j = 0; j < d; j++) {
          x[r * d + j] = (float) (sa * x0[j] + sb * eps[j]); // x_n = √ᾱ_n x₀ + √β̄_n ε
        }
        time[r] = n;
        rowStep[r] = k;
      }
      float[] xs = b == batchSize ? x : java.util.Arrays.copyOf(x, b * d);
      double[] ts = b == batchSize ? time : java.util.Arrays.copyOf(time, b);
      float[] out = model.predictEps(xs, ts, b); // [b, d]
      for (int r = 0; r < b; r++) {
        double ms = 0;
        for (int j = 0; j < d; j++) {
          double e = out[r * d + j];
          ms += e * e;
        }
        ms /= d; // mean of squares over coordinates
        sum[rowStep[r]] += ms;
        sumSq[rowStep[r]] += ms * ms;
      }
      done += b;
      if (progress != null) {
        progress.accept(done);
      }
    }
    double[] mean = new double[steps.length];
    double[] se = new double[steps.length];
    for (int k = 0; k < steps.length; k++) {
      mean[k] = sum[k] / m;
      double var = Math.max(0.0, (sumSq[k] - m * mean[k] * mean[k]) / (m - 1));
      se[k] = Math.sqrt(var / m);
    }
    return new Estimate(steps.clone(), mean, se, m, seed, data.describe());
  }

  /**
   * The exact Γ^eps for data x₀ ~ N(μ, s²I) (any mean μ): the optimal predictor is
   * ε*(x_n, n) = √β̄_n (x_n − √ᾱ_n μ)/(ᾱ_n s² + β̄_n) with x_n − √ᾱ_n μ ~ N(0, (ᾱ_n s² + β̄_n) I), so
   * Γ^eps_n = β̄_n/(ᾱ_n s² + β̄_n). Index 0 is 0.
   *
   * @param sched the schedule
   * @param variance s² &gt; 0
   * @return Γ^eps[0..N]
   */
  public static double[] isotropicGaussian(NoiseSchedule sched, double variance) {
    if (!(variance > 0 && Double.isFinite(variance))) {
      throw new IllegalArgumentException("variance must be positive and finite, got " + variance);
    }
    double[] g = new double[sched.steps() + 1];
    for (int n = 1; n <= sched.steps(); n++) {
      double bb = sched.betaBar(n);
      g[n] = bb / (sched.alphaBar(n) * variance + bb);
    }
    return g;
  }

  /**
   * The closed form of {@link #isotropicGaussian(NoiseSchedule, double)} as a {@link Gamma} with zero
   * standard errors and closed-form provenance.
   *
   * @param sched the schedule
   * @param scheduleType the schedule family name to record
   * @param variance s²
   * @return Γ
   */
  public static Gamma isotropicGaussianGamma(NoiseSchedule sched, String scheduleType, double variance) {
    double[] g = isotropicGaussian(sched, variance);
    return new Gamma(g, new double[g.length], Provenance.closedForm(
        "isotropic Gaussian N(mu, " + variance + " I)", ScheduleInfo.of(scheduleType, sched)));
  }
}
