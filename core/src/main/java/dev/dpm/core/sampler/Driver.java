package dev.dpm.core.sampler;

import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.GuidedBatch;
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
    run(procs, null, model, maxBatch, onEvaluation);
  }

  /**
   * Generates samples 0..n−1 of a job on a class-conditional model, sample i conditioned on
   * {@code conditions[i]} (guided ones use two network rows per step, in the same evaluation).
   *
   * @param sampler the configured sampler
   * @param model the conditional predictor
   * @param conditions per-sample conditions, [n]
   * @param seed job seed
   * @param maxBatch maximum samples per evaluation
   * @param onEvaluation called with the network rows of each evaluation (may be null)
   * @return the samples, [n][d]
   */
  public static float[][] sample(Sampler sampler, ConditionalPredictor model, Condition[] conditions, long seed,
      int maxBatch, IntConsumer onEvaluation) {
    NoiseSource noise = new NoiseSource(seed);
    List<SamplingProcess> procs = new ArrayList<>(conditions.length);
    for (int i = 0; i < conditions.length; i++) {
      procs.add(sampler.start(noise.stream(i)));
    }
    run(procs, conditions, model, maxBatch, onEvaluation);
    float[][] out = new float[conditions.length][];
    for (int i = 0; i < out.length; i++) {
      out[i] = procs.get(i).sample();
    }
    return out;
  }

  /**
   * Drives processes until all are done; with conditions, through {@link GuidedBatch}.
   *
   * @param procs processes
   * @param conditions per-process conditions (null: unconditional, plain evaluations)
   * @param model ε predictor; a {@link ConditionalPredictor} when conditions are given
   * @param maxBatch maximum processes per evaluation
   * @param onEvaluation called with the network rows of each evaluation (may be null)
   */
  public static void run(List<? extends SamplingProcess> procs, Condition[] conditions, NoisePredictor model,
      int maxBatch, IntConsumer onEvaluation) {
    if (conditions != null && (conditions.length != procs.size() || !(model instanceof ConditionalPredictor))) {
      throw new IllegalArgumentException("conditions need one entry per process and a conditional model");
    }
    int d = model.dimension();
    for (int start = 0; start < procs.size(); start += maxBatch) {
      List<? extends SamplingProcess> chunk =
          procs.subList(start, Math.min(procs.size(), start + maxBatch));
      List<SamplingProcess> live = new ArrayList<>(chunk);
      List<Condition> liveCond = conditions == null ? null
          : new ArrayList<>(List.of(conditions).subList(start, start + chunk.size()));
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
        int netRows = rows;
        if (liveCond != null) {
          Condition[] c = liveCond.toArray(new Condition[0]);
          netRows = GuidedBatch.networkRows(c, ts, rows);
          Prediction out = GuidedBatch.evaluate((ConditionalPredictor) model, xs, ts, c, rows, head);
          for (int i = 0; i < rows; i++) {
            if (head[i] == null) {
              live.get(i).accept(out.eps(), i * d);
            } else {
              live.get(i).accept(out.eps(), out.head(head[i]), i * d);
            }
          }
        } else if (heads.isEmpty()) {
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
          onEvaluation.accept(netRows);
        }
        for (int i = live.size() - 1; i >= 0; i--) {
          if (live.get(i).isDone()) {
            live.remove(i);
            if (liveCond != null) {
              liveCond.remove(i);
            }
          }
        }
      }
    }
  }
}
