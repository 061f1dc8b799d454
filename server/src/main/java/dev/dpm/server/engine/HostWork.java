package dev.dpm.server.engine;

import dev.dpm.core.sampler.SamplingProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntBinaryOperator;

/**
 * The engine's host work on helper threads: each row's {@link SamplingProcess#prepare()} (its
 * noise draw) while the network evaluates, and handing ε back to the rows in parallel chunks.
 * Rows belong to distinct processes, which share only immutable schedules, so chunks never touch
 * the same state and the results do not depend on the split. With 0 helpers everything runs on
 * the engine thread.
 */
final class HostWork implements AutoCloseable {
  /** Fewer values than this in a batch are handed back on the engine thread alone. */
  static final int PARALLEL_VALUES = 32_768;

  private final ExecutorService pool; // null with 0 helpers
  private final int helpers;

  /**
   * @param name engine name (thread names)
   * @param helpers helper threads, ≥ 0
   */
  HostWork(String name, int helpers) {
    this.helpers = Math.max(0, helpers);
    this.pool = this.helpers == 0 ? null : Executors.newFixedThreadPool(this.helpers, r -> {
      Thread t = new Thread(r, "dpm-host-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /** @return the default helper count: one per core beyond the engine thread, at most 4 */
  static int defaultHelpers() {
    return Math.max(0, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));
  }

  /**
   * Starts {@code prepare()} of every row on the helpers (nothing without helpers: the draws then
   * happen in {@code accept}).
   *
   * @param procs the rows' processes
   * @param rows how many
   * @return what to {@link #join} before the processes are touched again
   */
  List<Future<?>> prepare(SamplingProcess[] procs, int rows) {
    List<Future<?>> fs = new ArrayList<>();
    if (pool == null || rows == 0) {
      return fs;
    }
    int parts = Math.min(helpers, rows);
    for (int k = 0; k < parts; k++) {
      int lo = rows * k / parts;
      int hi = rows * (k + 1) / parts;
      fs.add(pool.submit(() -> {
        for (int r = lo; r < hi; r++) {
          procs[r].prepare();
        }
      }));
    }
    return fs;
  }

  /**
   * Runs {@code body.applyAsInt(lo, hi)} over [0, rows) in chunks, on the helpers and the calling
   * thread when the batch holds at least {@link #PARALLEL_VALUES} values, else in one piece here.
   *
   * @param rows rows
   * @param d values per row
   * @param body works on rows [lo, hi) (its int result is ignored)
   */
  void forRows(int rows, int d, IntBinaryOperator body) {
    if (pool == null || (long) rows * d < PARALLEL_VALUES || rows < 2) {
      body.applyAsInt(0, rows);
      return;
    }
    int parts = Math.min(helpers + 1, rows);
    List<Future<?>> fs = new ArrayList<>();
    for (int k = 1; k < parts; k++) {
      int lo = rows * k / parts;
      int hi = rows * (k + 1) / parts;
      fs.add(pool.submit(() -> body.applyAsInt(lo, hi)));
    }
    body.applyAsInt(0, rows / parts);
    join(fs);
  }

  /** Waits for tasks; a task's exception is rethrown (wrapped if checked). */
  static void join(List<Future<?>> fs) {
    boolean interrupted = false;
    RuntimeException first = null;
    for (Future<?> f : fs) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (first == null) {
            first = c instanceof RuntimeException re ? re : new IllegalStateException(c);
          }
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
