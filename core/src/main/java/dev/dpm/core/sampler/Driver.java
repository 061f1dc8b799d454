package dev.dpm.core.sampler;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.noise.NoiseSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * The trivial driver: runs the processes of one job against a predictor, packing the pending
 * requests of up to {@code maxBatch} processes into one evaluation. Used by the CLI, tests and
 * benchmarks; the server's BatchEngine does the same across jobs. When some request names a second
 * head, the evaluation asks the predictor for ε and those heads in one call
 * ({@link NoisePredictor#predict}) and hands each process its rows of both.
 */
public final class Driver {
  private Driver() {}

  /**
   * Generates samples 0..n−1 of a job.
   *
   * @param sampler the configured sampler
   * @param model the ε predictor
   * @param seed job seed; sample i uses stream i of {@code new NoiseSource(seed)}
   * @param n number of samples
   * @param maxBatch maximum rows per evaluation
   * @param onEvaluation called after each evaluation with the rows evaluated (may be null)
   * @return the samples, [n][d]
   */
  public static float[][] sample(
      Sampler sampler, NoisePredictor model, long seed, int n, int maxBatch, IntConsumer onEvaluation) {
    NoiseSource noise = new NoiseSource(seed);
    List<SamplingProcess> procs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      procs.add(sampler.start(noise.stream(i)));
    }
    run(procs, model, maxBatch, onEvaluation);
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = procs.get(i).sample();
    }
    return out;
  }

  /**
   * Drives processes until all are done, in chunks of {@code maxBatch} rows.
   *
   * @param procs processes (any mix of samplers over one model)
   * @param model ε predictor
   * @param maxBatch maximum rows per evaluation
   * @param onEvaluation called with the rows of each evaluation (may be null)
   */
  public static void run(
      List<? extends SamplingProcess> procs, NoisePredictor model, int maxBatch, IntConsumer onEvaluation) {
    int d = model.dimension();
    for (int start = 0; start < procs.size(); start += maxBatch) {
      List<? extends SamplingProcess> chunk =
          procs.subList(start, Math.min(procs.size(), start + maxBatch));
      List<SamplingProcess> live = new ArrayList<>(chunk);
      float[] x = new float[chunk.size() * d];
      double[] t = new double[chunk.size()];
      while (!live.isEmpty()) {
        int rows = 0;
        SecondHead[] head = new SecondHead[live.size()];
        Set<SecondHead> heads = EnumSet.noneOf(SecondHead.class);
        for (SamplingProcess p : live) {
          EvalRequest r = p.pending();
          System.arraycopy(r.x(), 0, x, rows * d, d);
          if (r.head() != null) {
            heads.add(r.head());
          }
          head[rows] = r.head();
          t[rows++] = r.time();
        }
        float[] xs = rows * d == x.length ? x : java.util.Arrays.copyOf(x, rows * d);
        double[] ts = rows == t.length ? t : java.util.Arrays.copyOf(t, rows);
        if (heads.isEmpty()) {
          float[] eps = model.predictEps(xs, ts, rows);
          for (int i = 0; i < rows; i++) {
            float[] e = new float[d];
            System.arraycopy(eps, i * d, e, 0, d);
            live.get(i).accept(e);
          }
        } else {
          Prediction out = model.predict(xs, ts, rows, heads);
          for (int i = 0; i < rows; i++) {
            if (head[i] == null) {
              live.get(i).accept(out.eps(), i * d);
            } else {
              live.get(i).accept(out.eps(), out.head(head[i]), i * d);
            }
          }
        }
        if (onEvaluation != null) {
          onEvaluation.accept(rows);
        }
        live.removeIf(SamplingProcess::isDone);
      }
    }
  }
}
