package dev.dpm.server.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides which waiting jobs start running, under the per-model cap on rows in flight and the
 * batching mode. Pure: the caller keeps the waiting jobs in arrival order and applies the answer.
 *
 * <p>Order of the waiting jobs: first those passed over by {@code maxPassed} later arrivals
 * (arrival order; nobody waits forever), then by priority, highest first, then by arrival.
 *
 * <ul>
 *   <li>{@link BatchingMode#STEP}: jobs start in that order while their rows fit under the cap
 *       (a job larger than the cap starts alone on an empty engine); the first that does not fit
 *       stops the walk, so small jobs cannot starve a large one.
 *   <li>{@link BatchingMode#REQUEST}: only on an empty engine; the first job starts with every
 *       waiting job of the same batch key that still fits in one batch (and the cap).
 *   <li>{@link BatchingMode#NONE}: only on an empty engine; the first job starts alone.
 * </ul>
 */
public final class Admission {
  /**
   * A waiting job.
   *
   * @param rows its unfinished samples
   * @param priority higher first
   * @param batchKey request-level batch key
   * @param passedOver later arrivals started ahead of it
   */
  public record Waiting(int rows, int priority, String batchKey, int passedOver) {}

  private final BatchingMode mode;
  private final int maxBatch;
  private final int maxRowsInFlight;
  private final int maxPassed;

  /**
   * @param mode batching mode
   * @param maxBatch rows per evaluation
   * @param maxRowsInFlight cap on the rows of running jobs (0 = none)
   * @param maxPassed later arrivals that may start ahead of a waiting job, ≥ 1
   */
  public Admission(BatchingMode mode, int maxBatch, int maxRowsInFlight, int maxPassed) {
    if (maxBatch < 1 || maxRowsInFlight < 0 || maxPassed < 1) {
      throw new IllegalArgumentException("need maxBatch >= 1, maxRowsInFlight >= 0, maxPassed >= 1");
    }
    this.mode = mode;
    this.maxBatch = maxBatch;
    this.maxRowsInFlight = maxRowsInFlight == 0 ? Integer.MAX_VALUE : maxRowsInFlight;
    this.maxPassed = maxPassed;
  }

  /** @return the batching mode */
  public BatchingMode mode() {
    return mode;
  }

  /** @return the cap on rows in flight (Integer.MAX_VALUE for none) */
  public int maxRowsInFlight() {
    return maxRowsInFlight;
  }

  /**
   * @param waiting the waiting jobs, arrival order
   * @param runningJobs jobs running now
   * @param rowsInFlight their unfinished rows
   * @return indices into {@code waiting} of the jobs to start, in start order
   */
  public List<Integer> admit(List<Waiting> waiting, int runningJobs, int rowsInFlight) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < waiting.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.<Integer>comparingInt(i -> waiting.get(i).passedOver() >= maxPassed ? 0 : 1)
        .thenComparingInt(i -> waiting.get(i).passedOver() >= maxPassed ? 0 : -waiting.get(i).priority())
        .thenComparingInt(i -> i));
    List<Integer> start = new ArrayList<>();
    if (order.isEmpty() || (mode != BatchingMode.STEP && runningJobs > 0)) {
      return start;
    }
    if (mode == BatchingMode.NONE) {
      start.add(order.get(0));
      return start;
    }
    if (mode == BatchingMode.REQUEST) {
      Waiting head = waiting.get(order.get(0));
      int room = Math.min(maxBatch, maxRowsInFlight);
      int rows = 0;
      for (int i : order) {
        Waiting w = waiting.get(i);
        if (w.batchKey().equals(head.batchKey()) && (start.isEmpty() || rows + w.rows() <= room)) {
          start.add(i);
          rows += w.rows();
        }
      }
      return start;
    }
    int rows = rowsInFlight;
    for (int i : order) {
      int r = waiting.get(i).rows();
      boolean alone = runningJobs == 0 && start.isEmpty();
      if (!alone && (long) rows + r > maxRowsInFlight) {
        break;
      }
      start.add(i);
      rows += r;
    }
    return start;
  }

  /**
   * The passed-over counts after {@link #admit}: each job left waiting counts the later arrivals
   * that started.
   *
   * @param waiting the waiting jobs, arrival order
   * @param started what {@link #admit} returned
   * @return the new passed-over count of every waiting job (entries of started jobs are unused)
   */
  public static int[] passedOverAfter(List<Waiting> waiting, List<Integer> started) {
    int[] r = new int[waiting.size()];
    boolean[] s = new boolean[waiting.size()];
    for (int i : started) {
      s[i] = true;
    }
    int later = 0;
    for (int i = waiting.size() - 1; i >= 0; i--) {
      r[i] = waiting.get(i).passedOver() + (s[i] ? 0 : later);
      if (s[i]) {
        later++;
      }
    }
    return r;
  }

  /**
   * Applies {@link #admit} to the engine's waiting jobs: updates their passed-over counts and
   * removes the started ones from {@code waiting}.
   *
   * @param waiting the waiting jobs, arrival order (modified)
   * @param runningJobs jobs running now
   * @param rowsInFlight their unfinished rows
   * @return the jobs to start, in start order
   */
  List<EngineJob> take(List<EngineJob> waiting, int runningJobs, int rowsInFlight) {
    List<Waiting> w = new ArrayList<>(waiting.size());
    for (EngineJob j : waiting) {
      w.add(new Waiting(j.live, j.priority(), j.batchKey(), j.passedOver));
    }
    List<Integer> start = admit(w, runningJobs, rowsInFlight);
    if (start.isEmpty()) {
      return List.of();
    }
    int[] passed = passedOverAfter(w, start);
    List<EngineJob> started = new ArrayList<>(start.size());
    for (int i = 0; i < passed.length; i++) {
      waiting.get(i).passedOver = passed[i];
    }
    for (int i : start) {
      started.add(waiting.get(i));
    }
    waiting.removeAll(started);
    return started;
  }
}
