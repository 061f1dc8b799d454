package dev.dpm.server.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The engine's overlapped hand-back (engine thread only): the batch last evaluated and its ε, held
 * until its rows get their ε, either now or on a host thread of its own while the next batch
 * evaluates ({@link BatchEngine#overlap}). The next batch never holds a row of the held one, so the
 * two never touch the same process.
 */
final class Overlap implements AutoCloseable {
  private ExecutorService thread; // made on first use
  private PackedBatch held;
  private float[] heldEps;
  private Future<Map<EngineJob, Failure>> delivering;

  /** @return the batch evaluated and not yet handed back, or null */
  PackedBatch held() {
    return held;
  }

  /** Holds an evaluated batch (the one held before must have been handed back). */
  void hold(PackedBatch b, float[] eps) {
    held = b;
    heldEps = eps;
  }

  /** Forgets the held batch without handing it back. */
  void drop() {
    held = null;
    heldEps = null;
  }

  /** Hands the held batch its ε here; returns the failed jobs and forgets it. */
  Map<EngineJob, Failure> deliverNow(int d, HostWork host) {
    Map<EngineJob, Failure> failed = held.deliver(heldEps, d, host);
    drop();
    return failed;
  }

  /** Starts handing the held batch its ε on the overlap thread; {@link #join} for the outcome. */
  void deliverAsync(int d, HostWork host) {
    if (thread == null) {
      thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dpm-overlap");
        t.setDaemon(true);
        return t;
      });
    }
    PackedBatch b = held;
    float[] eps = heldEps;
    delivering = thread.submit(() -> b.deliver(eps, d, host));
  }

  /** Waits for {@link #deliverAsync}; returns the failed jobs and forgets the batch. */
  Map<EngineJob, Failure> join() {
    Future<Map<EngineJob, Failure>> f = delivering;
    delivering = null;
    drop();
    HostWork.join(List.of(f)); // rethrows a task's exception
    try {
      return f.get();
    } catch (Exception e) {
      throw new IllegalStateException(e); // not reached: joined above
    }
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.shutdownNow();
    }
  }
}
