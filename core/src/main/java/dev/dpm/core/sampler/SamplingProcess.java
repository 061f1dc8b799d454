package dev.dpm.core.sampler;

/**
 * The state machine that generates one sample. The driver loop is:
 *
 * <pre>{@code
 * while (!p.isDone()) { EvalRequest r = p.pending(); p.accept(model.eps(r.x(), r.time())); }
 * float[] x0 = p.sample();
 * }</pre>
 *
 * <p>Implementations hold only per-sample state; schedules and trajectories are shared and
 * immutable. Not thread-safe: one process is driven by one thread at a time.
 */
public interface SamplingProcess {
  /** @return the evaluation needed next; never null while {@link #isDone()} is false */
  EvalRequest pending();

  /**
   * Hands back ε for {@link #pending()} and advances the state.
   *
   * @param eps ε_θ(x, time), [d]; the process may keep a reference to it
   */
  void accept(float[] eps);

  /**
   * Hands back ε for {@link #pending()} as one row of a packed network output, without a copy.
   * The default copies the row and calls {@link #accept(float[])}.
   *
   * @param eps the packed output, [rows, d], row-major
   * @param offset where this process's row starts (row · d)
   */
  default void accept(float[] eps, int offset) {
    int d = pending().x().length;
    accept(java.util.Arrays.copyOfRange(eps, offset, offset + d));
  }

  /**
   * Hands back ε and the second head that {@link #pending()} asked for ({@link EvalRequest#head()}),
   * as one row of each packed network output. The default ignores the head (a process that asks
   * for none); processes that ask for one override it.
   *
   * @param eps the packed ε, [rows, d], row-major
   * @param head the packed head output, [rows, d], row-major
   * @param offset where this process's row starts (row · d)
   */
  default void accept(float[] eps, float[] head, int offset) {
    accept(eps, offset);
  }

  /**
   * Does the part of the next step that does not need ε (its noise draw), so that it can run
   * while the network evaluates, on any one thread at a time. Optional (the default does
   * nothing) and idempotent; the results are the same whether it is called or not.
   */
  default void prepare() {}

  /** @return true when the sample is finished */
  boolean isDone();

  /** @return the finished sample, [d] (valid once {@link #isDone()}) */
  float[] sample();

  /** @return steps completed so far (a step is one entry of the time grid) */
  int step();

  /** @return the number of steps of the whole run (an estimate for adaptive solvers) */
  int totalSteps();

  /** @return network evaluations used so far */
  int nfe();

  /** @return the latest x̂₀ prediction for previews, [d], or null before the first evaluation */
  float[] denoised();
}
