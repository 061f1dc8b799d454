package dev.dpm.server.engine;

import dev.dpm.core.model.NoisePredictor;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step-level continuous batching for one loaded model on one device. A dedicated thread owns the
 * predictor; each iteration starts waiting jobs ({@link Admission}: priority, the cap on rows in
 * flight, the {@link BatchingMode}), packs the pending {@link dev.dpm.core.sampler.EvalRequest}s
 * of every running job (any sampler, any time, one row per sample) into one evaluation of at most
 * {@code maxBatch} rows ({@link RowPacker}: equal shares across tenants, then priority and equal shares
 * across a tenant's jobs, rotation, no starvation), hands each row's ε back to its process, and reports
 * progress, previews and completion to the {@link EngineListener} without blocking.
 *
 * <p>Determinism: rows are independent ({@link NoisePredictor}'s contract) and every process owns
 * its noise stream, so a job's samples are bit-identical to running it alone (for example with
 * {@link dev.dpm.core.sampler.Driver}), whatever it shares its batches with.
 *
 * <p>Cancellation and deadlines are checked between evaluations. A non-finite ε fails the job
 * that owns the row with {@code non-finite-output} (the cases are {@link Failure}).
 */
public final class BatchEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);
  /** Evaluations a job with pending rows may be left out in a row, and arrivals that may pass it. */
  static final int MAX_SKIPS = 8;
  /** Later arrivals that may start ahead of a waiting job (here and in the server's queue). */
  public static final int MAX_PASSED = MAX_SKIPS;

  private final String name;
  private final NoisePredictor predictor;
  private final int d;
  private final int maxBatch;
  private final double warmupTime;
  private final EngineListener listener;
  private final ProgressReporter progress;
  private final RowPacker packer;
  private volatile Admission admission;
  private final ConcurrentLinkedQueue<EngineJob> admissions = new ConcurrentLinkedQueue<>();
  private final List<EngineJob> waiting = new ArrayList<>(); // arrival order
  private final List<EngineJob> active = new ArrayList<>();
  private final AtomicInteger jobs = new AtomicInteger();
  private final Object signal = new Object();
  private final EngineMetrics metrics;
  private volatile HostWork host;
  private volatile boolean running;
  private volatile boolean ready;
  private volatile Thread thread;
  private volatile long windowNanos;
  private volatile long gapNanos;
  private volatile boolean overlap;
  private final Overlap pipe = new Overlap(); // engine thread

  /**
   * @param name model name (thread name, metric tag)
   * @param predictor the model; used only by the engine thread from {@link #start} on
   * @param maxBatch maximum rows per evaluation
   * @param warmupTime a valid time for warm-up evaluations (step index)
   * @param listener receives progress and outcomes
   * @param registry metrics registry
   * @param progressIntervalMs minimum ms between progress reports of one job
   * @param previewIntervalMs minimum ms between previews of one job
   */
  public BatchEngine(String name, NoisePredictor predictor, int maxBatch, double warmupTime,
      EngineListener listener, MeterRegistry registry, long progressIntervalMs, long previewIntervalMs) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    this.name = name;
    this.predictor = predictor;
    this.d = predictor.dimension();
    this.maxBatch = maxBatch;
    this.warmupTime = warmupTime;
    this.listener = listener;
    this.progress = new ProgressReporter(listener, d, progressIntervalMs, previewIntervalMs);
    this.packer = new RowPacker(maxBatch, MAX_SKIPS);
    this.admission = new Admission(BatchingMode.STEP, maxBatch, 0, MAX_SKIPS);
    this.metrics = new EngineMetrics(name, registry);
    this.host = new HostWork(name, HostWork.defaultHelpers());
  }

  /**
   * Starts the engine thread; it warms the model up (one evaluation at batch 1 and one at
   * {@code maxBatch}) before {@link #ready()} turns true.
   *
   * @param warmup whether to run the warm-up evaluations
   */
  public synchronized void start(boolean warmup) {
    if (thread != null) {
      return;
    }
    running = true;
    Thread t = new Thread(() -> run(warmup), "dpm-engine-" + name);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** @return true once warm-up is done */
  public boolean ready() {
    return ready;
  }

  /** @return jobs admitted and not yet finished */
  public int jobCount() {
    return jobs.get();
  }

  /** @return recent rows evaluated per second (0 before the first evaluation) */
  public double rowsPerSecond() {
    return metrics.rowsPerSecond();
  }

  /** @return the maximum rows per evaluation */
  public int maxBatch() {
    return maxBatch;
  }

  /**
   * Sets how jobs are grouped ({@link BatchingMode#STEP} by default) and the cap on the rows of
   * running jobs (unfinished samples; 0 = none, the default). Jobs beyond the cap wait, highest
   * priority first; a job larger than the cap runs alone. Call before {@link #start}.
   *
   * @param mode batching mode
   * @param maxRowsInFlight the cap, ≥ 0
   */
  public void scheduling(BatchingMode mode, int maxRowsInFlight) {
    this.admission = new Admission(mode, maxBatch, maxRowsInFlight, MAX_SKIPS);
  }

  /**
   * Sets the helper threads for host work (noise drawn while the network evaluates, ε handed back
   * in parallel chunks); 0 runs everything on the engine thread. Default: one per core beyond the
   * engine thread, at most 4. Call before {@link #start}; results do not depend on it.
   *
   * @param helpers helper threads, ≥ 0
   */
  public void hostThreads(int helpers) {
    HostWork old = host;
    host = new HostWork(name, helpers);
    old.close();
  }

  /**
   * Turns on overlapped hand-back (off by default): when more rows are unfinished than one
   * evaluation holds, the next batch is packed from rows outside the batch just evaluated and
   * evaluated while a host thread hands that batch its ε, so the sampler arithmetic runs in the
   * network's shadow. Each process still sees the same calls in the same order, so samples are
   * bit-identical; with at most {@code maxBatch} rows in flight nothing changes. Call before
   * {@link #start}.
   *
   * @param on whether to overlap
   */
  public void overlap(boolean on) {
    this.overlap = on;
  }

  /**
   * Admits a job; it joins the next evaluation (or waits, see {@link #scheduling}).
   *
   * @param job the job
   */
  public void submit(EngineJob job) {
    jobs.incrementAndGet();
    admissions.add(job);
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /**
   * Stops the thread after the current evaluation. Jobs not finished stay unfinished (no
   * listener call); the caller re-queues them.
   *
   * @return the unfinished jobs
   */
  public List<EngineJob> stop() {
    running = false;
    synchronized (signal) {
      signal.notifyAll();
    }
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<EngineJob> left = new ArrayList<>(active);
    left.addAll(waiting);
    waiting.clear();
    EngineJob j;
    while ((j = admissions.poll()) != null) {
      left.add(j);
    }
    active.clear();
    jobs.set(0);
    pipe.close();
    host.close();
    return left;
  }

  @Override
  public void close() {
    stop();
  }

  private void run(boolean warmup) {
    try {
      if (warmup) {
        long t0 = System.nanoTime();
        PackedBatch.warmUp(predictor, d, warmupTime, 1, maxBatch);
        LOG.info("engine={} event=warmed-up maxBatch={} ms={}", name, maxBatch,
            (System.nanoTime() - t0) / 1_000_000);
      }
    } catch (RuntimeException e) {
      LOG.error("engine={} event=warmup-failed error={}", name, e.toString(), e);
    }
    ready = true;
    while (running) {
      try {
        iterate();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("engine={} event=iteration-failed error={}", name, e.toString(), e);
      }
    }
  }

  /**
   * Sets the batching window: when a job arrives at an idle engine, the first evaluation waits for
   * more jobs as long as they keep arriving at most {@code gapMs} apart, for at most
   * {@code windowMs} in all (or until {@code maxBatch} rows are waiting), so that a burst of
   * submissions starts in step and shares full batches. A lone job waits {@code gapMs}. 0 disables.
   *
   * @param windowMs the longest wait
   * @param gapMs the longest pause between two arrivals that still extends the wait
   */
  public void batchWindow(long windowMs, long gapMs) {
    this.windowNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, windowMs));
    this.gapNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, gapMs));
  }

  /** Moves submitted jobs to the waiting list (finishing empty ones); returns how many. */
  private int drainAdmissions() {
    int n = 0;
    EngineJob j;
    while ((j = admissions.poll()) != null) {
      if (j.live == 0) {
        progress.started(j, System.nanoTime());
        finish(j);
      } else {
        waiting.add(j);
        n++;
      }
    }
    return n;
  }

  /** Starts the waiting jobs that {@link Admission} lets in. */
  private void startWaiting() {
    if (waiting.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    for (EngineJob j : admission.take(waiting, active.size(), rowsInFlight())) {
      progress.started(j, now);
      active.add(j);
    }
  }

  private int rowsInFlight() {
    return active.stream().mapToInt(j -> j.live).sum();
  }

  /** Waits for the rest of a burst (see {@link #batchWindow}) after the engine was idle. */
  private void gatherBurst() throws InterruptedException {
    long start = System.nanoTime();
    long last = start;
    while (running) {
      int rows = rowsInFlight();
      for (EngineJob j : waiting) {
        rows += j.live;
      }
      long now = System.nanoTime();
      long until = Math.min(start + windowNanos, last + gapNanos);
      if (rows >= maxBatch || now >= until) {
        return;
      }
      synchronized (signal) {
        if (admissions.isEmpty()) {
          long ms = TimeUnit.NANOSECONDS.toMillis(until - now);
          signal.wait(Math.max(1, ms));
        }
      }
      if (drainAdmissions() > 0) {
        last = System.nanoTime();
      }
    }
  }

  private void iterate() throws InterruptedException {
    boolean idle = active.isEmpty() && waiting.isEmpty();
    if (drainAdmissions() > 0 && idle && windowNanos > 0 && gapNanos > 0) {
      gatherBurst();
    }
    dropCanceledAndLate(waiting);
    startWaiting();
    if (active.isEmpty()) {
      pipe.drop(); // only rows of jobs canceled meanwhile can be held
      synchronized (signal) {
        while (running && admissions.isEmpty()) {
          signal.wait(1000);
        }
      }
      return;
    }
    dropCanceledAndLate(active);
    if (!active.isEmpty()) {
      evaluateOnce();
    }
  }

  /** Cancellation and deadlines, checked between evaluations. */
  private void dropCanceledAndLate(List<EngineJob> jobsIn) {
    long nowMs = System.currentTimeMillis();
    for (Iterator<EngineJob> it = jobsIn.iterator(); it.hasNext(); ) {
      EngineJob j = it.next();
      if (j.cancelRequested()) {
        it.remove();
        jobs.decrementAndGet();
        listener.onCanceled(j);
      } else if (j.deadlineEpochMs() > 0 && nowMs > j.deadlineEpochMs()) {
        it.remove();
        jobs.decrementAndGet();
        listener.onFailed(j, new Failure.DeadlineExceeded().code(), new Failure.DeadlineExceeded().message());
      }
    }
  }

  /**
   * One packed evaluation: pack, evaluate, hand ε back, settle the jobs. Overlapped (see
   * {@link #overlap}): the batch evaluated last time is handed its ε on a host thread while this
   * one evaluates, if enough rows lie outside it (at least half a batch); else it is handed back
   * first.
   */
  private void evaluateOnce() {
    if (!overlap) {
      PackedBatch b = pack(null);
      float[] eps = evaluate(b);
      if (eps != null) {
        settle(b, b.deliver(eps, d, host));
      }
      return;
    }
    PackedBatch prev = pipe.held();
    if (prev != null && available(prev.rowsPerJob()) < Math.max(1, maxBatch / 2)) {
      settle(prev, pipe.deliverNow(d, host));
      return;
    }
    PackedBatch b = pack(prev);
    if (prev != null) {
      pipe.deliverAsync(d, host);
    }
    float[] eps = evaluate(b);
    if (prev != null) {
      settle(prev, pipe.join());
    }
    if (eps != null) {
      pipe.hold(b, eps);
    }
  }

  /** Network rows of the running jobs' unfinished samples outside {@code busy} (samples per job). */
  private int available(Map<EngineJob, Integer> busy) {
    int n = 0;
    for (EngineJob j : active) {
      n += (j.live - busy.getOrDefault(j, 0)) * j.rowsPerSample();
    }
    return n;
  }

  /** Fails the jobs with a failed row, finishes the done ones, reports progress of the rest. */
  private void settle(PackedBatch b, Map<EngineJob, Failure> failed) {
    for (Map.Entry<EngineJob, Failure> f : failed.entrySet()) {
      fail(f.getKey(), f.getValue());
    }
    long now = System.nanoTime();
    for (EngineJob j : b.jobs) {
      if (failed.containsKey(j) || !active.contains(j)) {
        continue; // failed, or (overlapped) canceled or failed since the batch was packed
      }
      Failure over = j.overNfeLimit();
      if (over != null) {
        fail(j, over);
        continue;
      }
      if (j.live == 0) {
        active.remove(j);
        finish(j);
      } else {
        progress.report(j, now);
      }
    }
  }

  /**
   * Asks the {@link RowPacker} for each running job's rows and packs them.
   *
   * @param held the batch whose ε is being handed back (its samples are left out), or null
   */
  private PackedBatch pack(PackedBatch held) {
    Map<EngineJob, Integer> busy = held == null ? Map.of() : held.rowsPerJob();
    List<RowPacker.Demand> demands = new ArrayList<>(active.size());
    for (EngineJob j : active) {
      demands.add(new RowPacker.Demand((j.live - busy.getOrDefault(j, 0)) * j.rowsPerSample(), j.priority(),
          j.skipped, j.tenant())); // network rows
    }
    int[] take = packer.pack(demands);
    for (int i = 0; i < take.length; i++) {
      EngineJob j = active.get(i);
      j.skipped = RowPacker.skippedAfter(j.skipped, demands.get(i).pending(), take[i]);
    }
    return PackedBatch.of(active, take, d, held == null ? Set.of() : held.processes());
  }

  /** The network call and its metrics; null (and the batch's jobs failed) if it or a prepare threw. */
  private float[] evaluate(PackedBatch b) {
    try {
      return b.evaluate(predictor, host, metrics);
    } catch (PackedBatch.Failed e) {
      LOG.error("engine={} event=evaluation-failed rows={} error={}", name, b.rows, e.failure.message(), e.getCause());
      for (EngineJob j : b.jobs) {
        fail(j, e.failure);
      }
      return null;
    }
  }

  private void fail(EngineJob j, Failure f) {
    if (active.remove(j)) {
      jobs.decrementAndGet();
      listener.onFailed(j, f.code(), f.message());
    }
  }

  private void finish(EngineJob j) {
    EngineJob.Finished f = j.finished();
    metrics.samplesDone(f.samples().length);
    jobs.decrementAndGet();
    listener.onSucceeded(j, f.samples(), f.nfe(), f.total());
  }
}
