package dev.dpm.core.moments;

import dev.dpm.core.data.DataSet;
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
   * @param samples M, the distinct data rows used
   * @param rowsPerStep the rows averaged at each step (M for the official estimator)
   * @param seed the noise seed
   * @param data description of the data
   * @param estimator plain Monte-Carlo or with the control variate
   */
  public record Estimate(int[] steps, double[] mean, double[] stdError, int samples, int rowsPerStep, long seed,
      String data, Estimator estimator) {
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
   * @param rows M
   * @param steps number of steps estimated
   * @param options rows per step
   * @return the number of network evaluations (rows) an estimate with these options takes
   */
  public static long evaluations(int rows, int steps, Options options) {
    return (long) options.rowsUsed(rows) * steps;
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
    return estimate(model, sched, data, seed, batchSize, Options.PLAIN, progress);
  }

  /**
   * Estimates Γ^eps at every step 1..N.
   *
   * @param model the ε predictor
   * @param sched the model's schedule
   * @param data M data rows in model coordinates
   * @param seed noise seed
   * @param batchSize rows per evaluation
   * @param options rows per step and control variate
   * @param progress cumulative evaluations done (may be null)
   * @return the estimate
   */
  public static Estimate estimate(NoisePredictor model, NoiseSchedule sched, DataSet data, long seed,
      int batchSize, Options options, LongConsumer progress) {
    int[] all = new int[sched.steps()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i + 1;
    }
    return estimateAt(model, sched, data, all, seed, batchSize, options, progress);
  }

  /**
   * How rows are spread over steps and averaged.
   *
   * @param rowsPerStep m, the rows averaged at each step (1 ≤ m ≤ M; 0 means all M). With m &lt; M,
   *     step k (0-based among the estimated steps) uses rows (k·m + j) mod M, j = 0..m−1, so every
   *     row is used equally often and the cost is m·S instead of M·S evaluations
   * @param controlVariate whether to use Q = ‖ε‖²/d, the noise that made x_n (E Q = 1 exactly), as a
   *     control variate: Γ̂ = P̄ − ĉ(Q̄ − 1) with ĉ the fitted slope of P on Q. Unbiased to O(1/m),
   *     and far less noisy at large n where ε_θ ≈ ε (needs m ≥ 3)
   */
  public record Options(int rowsPerStep, boolean controlVariate) {
    /** The official code's estimator: every row at every step, plain mean. */
    public static final Options PLAIN = new Options(0, false);

    /** Validates the fields. */
    public Options {
      if (rowsPerStep < 0) {
        throw new IllegalArgumentException("rowsPerStep must be >= 0 (0 = all rows), got " + rowsPerStep);
      }
    }

    /**
     * @param m M, the rows available
     * @return the rows used per step
     */
    public int rowsUsed(int m) {
      return rowsPerStep == 0 ? m : Math.min(rowsPerStep, m);
    }

    /** @return the estimator recorded in provenance */
    public Estimator estimator() {
      return controlVariate ? Estimator.MONTE_CARLO_CONTROL_VARIATE : Estimator.MONTE_CARLO;
    }
  }

  /**
   * Running sums of the per-row statistics P = mean_j ε_θ(x_n)_j² and Q = mean_j ε_j² at S steps,
   * shifted by 1 (both are near 1 at large n, so the shifted sums keep their small spread exact).
   * Rows may arrive in any step order; within a step, summation is in arrival order.
   */
  public static final class Accumulator {
    private final long[] count;
    private final double[] sa;
    private final double[] saa;
    private final double[] sb;
    private final double[] sbb;
    private final double[] sab;

    /** @param steps S, the number of steps accumulated */
    public Accumulator(int steps) {
      count = new long[steps];
      sa = new double[steps];
      saa = new double[steps];
      sb = new double[steps];
      sbb = new double[steps];
      sab = new double[steps];
    }

    /**
     * Adds one row.
     *
     * @param k step index in [0, S)
     * @param eps the network's outputs ε_θ(x_n, n), [B, d]
     * @param epsOffset where this row starts in {@code eps}
     * @param noise the ε that made x_n, [B, d]
     * @param noiseOffset where this row starts in {@code noise}
     * @param d values per row
     */
    public void add(int k, float[] eps, int epsOffset, float[] noise, int noiseOffset, int d) {
      double p = 0;
      double q = 0;
      for (int j = 0; j < d; j++) {
        double e = eps[epsOffset + j];
        double z = noise[noiseOffset + j];
        p += e * e;
        q += z * z;
      }
      double a = p / d - 1; // P − 1
      double b = q / d - 1; // Q − 1
      count[k]++;
      sa[k] += a;
      saa[k] += a * a;
      sb[k] += b;
      sbb[k] += b * b;
      sab[k] += a * b;
    }

    /** Clears every sum. */
    public void reset() {
      java.util.Arrays.fill(count, 0);
      java.util.Arrays.fill(sa, 0);
      java.util.Arrays.fill(saa, 0);
      java.util.Arrays.fill(sb, 0);
      java.util.Arrays.fill(sbb, 0);
      java.util.Arrays.fill(sab, 0);
    }

    /**
     * The estimate at step index k: {mean, standard error}.
     *
     * <p>Plain: Γ̂ = P̄, SE = s_P/√m. Control variate (regression estimator): ĉ = S_PQ/S_QQ,
     * Γ̂ = P̄ − ĉ(Q̄ − 1), SE² = s²_res (1/m + (Q̄ − 1)²/S_QQ) with s²_res = (S_PP − ĉ S_PQ)/(m − 2).
     *
     * @param k step index
     * @param controlVariate whether to use the control variate
     * @return {mean, stdError}
     */
    public double[] result(int k, boolean controlVariate) {
      long m = count[k];
      if (m < 2 || (controlVariate && m < 3)) {
        throw new IllegalStateException("step index " + k + " has " + m + " rows, too few for an estimate");
      }
      double ma = sa[k] / m;
      double spp = Math.max(0.0, saa[k] - m * ma * ma);
      if (!controlVariate) {
        return new double[] {1 + ma, Math.sqrt(spp / (m - 1) / m)};
      }
      double mb = sb[k] / m;
      double sqq = Math.max(0.0, sbb[k] - m * mb * mb);
      double spq = sab[k] - m * ma * mb;
      double c = sqq > 0 ? spq / sqq : 0.0;
      double res = Math.max(0.0, (spp - c * spq) / (m - 2));
      double se2 = res * (1.0 / m + (sqq > 0 ? mb * mb / sqq : 0.0));
      return new double[] {1 + ma - c * mb, Math.sqrt(se2)};
    }

    /**
     * @param steps the steps accumulated, [S]
     * @param samples M
     * @param seed noise seed
     * @param data data description
     * @param options how rows were used
     * @return the estimate
     */
    public Estimate finish(int[] steps, int samples, long seed, String data, Options options) {
      double[] mean = new double[steps.length];
      double[] se = new double[steps.length];
      for (int k = 0; k < steps.length; k++) {
        double[] r = result(k, options.controlVariate());
        mean[k] = r[0];
        se[k] = r[1];
      }
      return new Estimate(steps.clone(), mean, se, samples, options.rowsUsed(samples), seed, data, options.estimator());
    }
  }

  /**
   * Estimates Γ^eps at the given steps with the official code's estimator ({@link Options#PLAIN}).
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
    return estimateAt(model, sched, data, steps, seed, batchSize, Options.PLAIN, progress);
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
   * @param options rows per step and control variate
   * @param progress cumulative evaluations done, out of {@code rowsUsed(M)·S} (may be null)
   * @return the estimate
   * @throws CancellationException if the thread is interrupted between batches
   */
  public static Estimate estimateAt(NoisePredictor model, NoiseSchedule sched, DataSet data, int[] steps,
      long seed, int batchSize, Options options, LongConsumer progress) {
    PredictorFan fan = PredictorFan.of(model);
    return FanLoop.run(fan, sched, data, steps, seed, batchSize, options, progress)[0];
  }

  /**
   * Estimates Γ^eps of every output of a {@link PredictorFan} at the given steps, from one network
   * call per batch: output i's estimate is the one {@link #estimateAt} gives for a predictor that
   * returns output i (the same rows, noise and arithmetic).
   *
   * @param fan the predictions of each batch
   * @param sched the model's schedule
   * @param data M ≥ 2 data rows in model coordinates
   * @param steps strictly ascending steps in [1, N]
   * @param seed noise seed
   * @param batchSize rows per evaluation (≥ 1)
   * @param options rows per step and control variate
   * @param progress cumulative sample rows done, out of {@code rowsUsed(M)·S} (may be null)
   * @return one estimate per output, [fan.outputs()]
   * @throws CancellationException if the thread is interrupted between batches
   */
  public static Estimate[] estimateAt(PredictorFan fan, NoiseSchedule sched, DataSet data, int[] steps,
      long seed, int batchSize, Options options, LongConsumer progress) {
    return FanLoop.run(fan, sched, data, steps, seed, batchSize, options, progress);
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
