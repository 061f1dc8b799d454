package dev.dpm.core.moments;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.function.LongConsumer;

/**
 * The Monte-Carlo loop of {@link Moments}: batches of x_n = √ᾱ_n x₀ + √β̄_n ε over the steps and
 * rows, one network call per batch, every output of the fan accumulated against the same ε.
 */
final class FanLoop {
  private FanLoop() {}

  static Moments.Estimate[] run(PredictorFan model, NoiseSchedule sched, DataSet data, int[] steps, long seed,
      int batchSize, Moments.Options options, LongConsumer progress) {
    int d = data.dimension();
    int m = data.size();
    if (model.dimension() != d) {
      throw new IllegalArgumentException("data rows have " + d + " values, the model takes " + model.dimension());
    }
    if (m < 2) {
      throw new IllegalArgumentException("the Monte-Carlo estimate needs at least 2 data rows, got " + m);
    }
    int per = options.rowsUsed(m);
    if (per < (options.controlVariate() ? 3 : 2)) {
      throw new IllegalArgumentException("rows per step must be at least " + (options.controlVariate() ? 3 : 2)
          + ", got " + per);
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
    Moments.Accumulator[] acc = new Moments.Accumulator[model.outputs()];
    for (int i = 0; i < acc.length; i++) {
      acc[i] = new Moments.Accumulator(steps.length);
    }
    long total = (long) per * steps.length;
    float[] x0 = new float[d];
    float[] z = new float[d]; // one row's noise
    float[] eps = new float[batchSize * d]; // [B, d], the noise of each row
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
        int k = (int) (p / per);
        int row = (int) (((long) k * per + p % per) % m); // = p % m when per = M
        int n = steps[k];
        data.copyRow(row, x0, 0);
        noise.gaussian(row, n, z);
        System.arraycopy(z, 0, eps, r * d, d);
        double sa = Math.sqrt(sched.alphaBar(n));
        double sb = Math.sqrt(sched.betaBar(n));
        for (int j = 0; j < d; j++) {
          x[r * d + j] = (float) (sa * x0[j] + sb * z[j]); // x_n = √ᾱ_n x₀ + √β̄_n ε
        }
        time[r] = n;
        rowStep[r] = k;
      }
      float[] xs = b == batchSize ? x : Arrays.copyOf(x, b * d);
      double[] ts = b == batchSize ? time : Arrays.copyOf(time, b);
      float[][] out = model.predictEps(xs, ts, b); // [outputs][b, d]
      for (int i = 0; i < acc.length; i++) {
        for (int r = 0; r < b; r++) {
          acc[i].add(rowStep[r], out[i], r * d, eps, r * d, d);
        }
      }
      done += b;
      if (progress != null) {
        progress.accept(done);
      }
    }
    Moments.Estimate[] result = new Moments.Estimate[acc.length];
    for (int i = 0; i < acc.length; i++) {
      result[i] = acc[i].finish(steps, m, seed, data.describe(), options);
    }
    return result;
  }
}
