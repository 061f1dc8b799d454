package dev.dpm.bench.quality;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The variational bound of several DDPM-type variances on one trajectory with one set of network
 * evaluations. The data are cut into chunks of {@code batch} rows; on each chunk
 * {@link VariationalBound#evaluate} runs once against the network (recorded) and once per further
 * variance against the recording ({@link ReplayPredictor}). Chunk c uses the noise seed
 * {@link #chunkSeed(long, int) chunkSeed(seed, c)}, so rows of different chunks get independent
 * noise and every method sees the same x_t (paired comparison). The memory held is one chunk's
 * outputs: batch·K·d floats (64·1000·784·4 B ≈ 200 MB at K = 1000 on 28×28 images).
 */
public final class SharedBound {
  private SharedBound() {}

  /**
   * The bounds of the methods, in their order.
   *
   * @param results one bound per method (bits/dim; per-row values over all rows)
   * @param evaluations network rows evaluated (shared by all methods)
   */
  public record Result(List<BoundResult> results, long evaluations) {}

  /**
   * @param seed the benchmark's seed
   * @param chunk chunk index
   * @return the noise seed of the chunk
   */
  public static long chunkSeed(long seed, int chunk) {
    return seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L * (chunk + 1L);
  }

  /**
   * Evaluates the bound of each method.
   *
   * @param model the ε predictor
   * @param sched its schedule
   * @param rows the data rows
   * @param traj the trajectory (τ₁ = 1)
   * @param methods DDPM-type methods ({@link Method#LIKELIHOOD})
   * @param gamma Γ^eps (for the analytic variance), or null
   * @param decoder the x₀ term
   * @param seed the benchmark's seed
   * @param batch rows per chunk and per evaluation
   * @param progress receives the rows evaluated by the network, as they are done (may be null)
   * @return one bound per method
   */
  public static Result evaluate(NoisePredictor model, NoiseSchedule sched, DataSet rows, Trajectory traj,
      List<Method> methods, double[] gamma, Decoder decoder, long seed, int batch, LongConsumer progress) {
    int n = rows.size();
    ReplayPredictor replay = new ReplayPredictor(model);
    double[][] perRow = new double[methods.size()][n];
    double[][] parts = new double[methods.size()][3]; // Σ prior, Σ KL, Σ decoder (bits/dim · rows)
    for (int c = 0, start = 0; start < n; c++, start += batch) {
      int count = Math.min(batch, n - start);
      DataSet chunk = slice(rows, start, count);
      replay.clear();
      for (int mi = 0; mi < methods.size(); mi++) {
        if (mi > 0) {
          replay.replay();
        }
        BoundSettings bs = new BoundSettings(traj, methods.get(mi).boundVariance(gamma, rows.range()), decoder,
            chunkSeed(seed, c), batch);
        long[] last = {0};
        LongConsumer pc = mi == 0 && progress != null ? done -> {
          progress.accept(done - last[0]);
          last[0] = done;
        } : null;
        BoundResult r = VariationalBound.evaluate(replay, sched, chunk, bs, pc);
        System.arraycopy(r.perRowBitsPerDim(), 0, perRow[mi], start, count);
        parts[mi][0] += r.priorBitsPerDim() * count;
        parts[mi][1] += r.klBitsPerDim() * count;
        parts[mi][2] += r.decoderBitsPerDim() * count;
      }
    }
    replay.clear();
    List<BoundResult> out = new ArrayList<>(methods.size());
    for (int mi = 0; mi < methods.size(); mi++) {
      double[] v = perRow[mi];
      double mean = 0;
      for (double x : v) {
        mean += x;
      }
      mean /= n;
      double ss = 0;
      for (double x : v) {
        ss += (x - mean) * (x - mean);
      }
      double se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : Double.NaN;
      out.add(new BoundResult(mean, se, n, parts[mi][0] / n, parts[mi][1] / n, parts[mi][2] / n, List.of(), v));
    }
    return new Result(out, replay.evaluated());
  }

  /**
   * Rows [start, start + count) of a data set, keeping 8-bit levels exact.
   *
   * @param data the data
   * @param start first row
   * @param count rows
   * @return the slice
   */
  public static DataSet slice(DataSet data, int start, int count) {
    int d = data.dimension();
    if (data.eightBit()) {
      byte[] levels = new byte[count * d];
      for (int i = 0; i < count; i++) {
        for (int j = 0; j < d; j++) {
          levels[i * d + j] = (byte) data.level(start + i, j);
        }
      }
      return DataSet.ofLevels(levels, count, data.sampleShape(), data.range(), data.source());
    }
    float[] values = new float[count * d];
    for (int i = 0; i < count; i++) {
      data.copyRow(start + i, values, i * d);
    }
    return DataSet.ofValues(values, count, data.sampleShape(), data.range(), data.source());
  }
}
