package dev.dpm.server.engine;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step-level continuous batching for one loaded model on one device. A dedicated thread owns the
 * predictor; each iteration packs the pending {@link EvalRequest}s of every running job (any
 * sampler, any time, one row per sample) into one evaluation of at most {@code maxBatch} rows,
 * fairly across jobs (each job gets an equal share, leftover capacity is filled in rotating
 * order), hands each row's ε back to its process, and reports progress, previews and completion
 * to the {@link EngineListener} without blocking.
 *
 * <p>Determinism: rows are independent ({@link NoisePredictor}'s contract) and every process owns
 * its noise stream, so a job's samples are bit-identical to running it alone (for example with
 * {@link dev.dpm.core.sampler.Driver}), whatever it shares its batches with.
 *
 * <p>Cancellation and deadlines are checked between evaluations. A non-finite ε fails the job
 * that owns the row with {@code non-finite-output}.
 */
public final class BatchEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);
  private static final int MAX_PREVIEW_SAMPLES = 64;

  private final String name;
  private final NoisePredictor predictor;
  private final int d;
  private final int maxBatch;
  private final double warmupTime;
  private final EngineListener listener;
  private final long progressIntervalNanos;
  private final long previewIntervalNanos;
  private final ConcurrentLinkedQueue<EngineJob> admissions = new ConcurrentLinkedQueue<>();
  private final List<EngineJob> active = new ArrayList<>();
  private final AtomicInteger jobs = new AtomicInteger();
  private final Object signal = new Object();
  private final Timer evalTimer;
  private final DistributionSummary batchRows;
  private final Counter samplesDone;
  private final Counter rowsDone;
  private volatile boolean running;
  private volatile boolean ready;
  private volatile double rowsPerSecond;
  private volatile Thread thread;
  private int rotation;
  private volatile long windowNanos;
  private volatile long gapNanos;

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
    this.progressIntervalNanos = TimeUnit.MILLISECONDS.toNanos(progressIntervalMs);
    this.previewIntervalNanos = TimeUnit.MILLISECONDS.toNanos(previewIntervalMs);
    this.evalTimer = Timer.builder("dpm.evaluation").description("network evaluation latency")
        .tag("model", name).publishPercentileHistogram().register(registry);
    this.batchRows = DistributionSummary.builder("dpm.batch.rows").description("rows per evaluation")
        .tag("model", name).serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
        .register(registry);
    this.samplesDone = Counter.builder("dpm.samples").description("samples finished")
        .tag("model", name).register(registry);
    this.rowsDone = Counter.builder("dpm.evaluation.rows").description("rows evaluated")
        .tag("model", name).register(registry);
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
    return rowsPerSecond;
  }

  /** @return the maximum rows per evaluation */
  public int maxBatch() {
    return maxBatch;
  }

  /**
   * Admits a job; it joins the next evaluation.
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
    EngineJob j;
    while ((j = admissions.poll()) != null) {
      left.add(j);
    }
    active.clear();
    jobs.set(0);
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
        for (int b : new int[] {1, maxBatch}) {
          double[] t = new double[b];
          Arrays.fill(t, warmupTime);
          predictor.predictEps(new float[b * d], t, b);
        }
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

  private int admitAll() {
    int n = 0;
    EngineJob admitted;
    while ((admitted = admissions.poll()) != null) {
      admitted.startedNanos = System.nanoTime();
      admitted.lastProgressNanos = admitted.startedNanos - progressIntervalNanos;
      admitted.lastPreviewNanos = admitted.startedNanos - previewIntervalNanos;
      if (admitted.live == 0) {
        finish(admitted);
      } else {
        active.add(admitted);
        n++;
      }
    }
    return n;
  }

  /** Waits for the rest of a burst (see {@link #batchWindow}) after the engine was idle. */
  private void gatherBurst() throws InterruptedException {
    long start = System.nanoTime();
    long last = start;
    while (running) {
      int rows = 0;
      for (EngineJob j : active) {
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
      if (admitAll() > 0) {
        last = System.nanoTime();
      }
    }
  }

  private void iterate() throws InterruptedException {
    boolean idle = active.isEmpty();
    if (admitAll() > 0 && idle && windowNanos > 0 && gapNanos > 0) {
      gatherBurst();
    }
    if (active.isEmpty()) {
      synchronized (signal) {
        while (running && admissions.isEmpty()) {
          signal.wait(1000);
        }
      }
      return;
    }
    long nowMs = System.currentTimeMillis();
    for (Iterator<EngineJob> it = active.iterator(); it.hasNext(); ) {
      EngineJob j = it.next();
      if (j.cancelRequested()) {
        it.remove();
        jobs.decrementAndGet();
        listener.onCanceled(j);
      } else if (j.deadlineEpochMs() > 0 && nowMs > j.deadlineEpochMs()) {
        it.remove();
        jobs.decrementAndGet();
        listener.onFailed(j, "deadline-exceeded", "the job's deadline passed before it finished");
      }
    }
    if (active.isEmpty()) {
      return;
    }
    evaluateOnce();
  }

  /** One packed evaluation. */
  private void evaluateOnce() {
    int k = active.size();
    EngineJob[] rowJob = new EngineJob[maxBatch];
    SamplingProcess[] rowProc = new SamplingProcess[maxBatch];
    Map<EngineJob, int[]> taken = new IdentityHashMap<>();
    int rows = 0;
    int share = Math.max(1, maxBatch / k);
    for (int pass = 0; pass < 2 && rows < maxBatch; pass++) {
      for (int a = 0; a < k && rows < maxBatch; a++) {
        EngineJob j = active.get((rotation + a) % k);
        int[] done = taken.computeIfAbsent(j, x -> new int[1]);
        int want = pass == 0 ? Math.min(share, j.live) : j.live - done[0];
        want = Math.min(want, maxBatch - rows);
        int n = j.processes().size();
        for (int scanned = 0; want > 0 && scanned < n; scanned++) {
          SamplingProcess p = j.processes().get(j.cursor);
          j.cursor = (j.cursor + 1) % n;
          if (!p.isDone()) {
            rowJob[rows] = j;
            rowProc[rows] = p;
            rows++;
            want--;
            done[0]++;
          }
        }
      }
    }
    rotation = (rotation + 1) % Math.max(1, k);

    float[] x = new float[rows * d];
    double[] time = new double[rows];
    for (int r = 0; r < rows; r++) {
      EvalRequest req = rowProc[r].pending();
      System.arraycopy(req.x(), 0, x, r * d, d);
      time[r] = req.time();
    }
    long t0 = System.nanoTime();
    float[] eps;
    try {
      eps = predictor.predictEps(x, time, rows);
    } catch (RuntimeException e) {
      LOG.error("engine={} event=evaluation-failed rows={} error={}", name, rows, e.toString(), e);
      for (EngineJob j : taken.keySet()) {
        fail(j, "internal", "model evaluation failed: " + e.getMessage());
      }
      return;
    }
    long elapsed = System.nanoTime() - t0;
    evalTimer.record(elapsed, TimeUnit.NANOSECONDS);
    batchRows.record(rows);
    rowsDone.increment(rows);
    double rps = rows / Math.max(1e-9, elapsed / 1e9);
    rowsPerSecond = rowsPerSecond == 0 ? rps : 0.9 * rowsPerSecond + 0.1 * rps;

    Map<EngineJob, String> failed = new IdentityHashMap<>();
    for (int r = 0; r < rows; r++) {
      EngineJob j = rowJob[r];
      if (failed.containsKey(j)) {
        continue;
      }
      float[] e = Arrays.copyOfRange(eps, r * d, (r + 1) * d);
      for (float v : e) {
        if (!Float.isFinite(v)) {
          failed.put(j, "the model returned NaN or Inf for sample "
              + j.processes().indexOf(rowProc[r]) + " at time " + time[r]);
          break;
        }
      }
      if (failed.containsKey(j)) {
        continue;
      }
      try {
        rowProc[r].accept(e);
      } catch (RuntimeException ex) {
        failed.put(j, "sampler error: " + ex);
        continue;
      }
      if (rowProc[r].isDone()) {
        j.live--;
      }
    }
    for (Map.Entry<EngineJob, String> f : failed.entrySet()) {
      fail(f.getKey(), f.getValue().startsWith("sampler") ? "internal" : "non-finite-output", f.getValue());
    }
    long now = System.nanoTime();
    for (EngineJob j : taken.keySet()) {
      if (failed.containsKey(j)) {
        continue;
      }
      if (j.live == 0) {
        active.remove(j);
        finish(j);
      } else {
        report(j, now);
      }
    }
  }

  private void fail(EngineJob j, String code, String message) {
    if (active.remove(j)) {
      jobs.decrementAndGet();
      listener.onFailed(j, code, message);
    }
  }

  private void finish(EngineJob j) {
    List<? extends SamplingProcess> ps = j.processes();
    float[][] out = new float[ps.size()][];
    int nfe = 0;
    int total = 0;
    for (int i = 0; i < out.length; i++) {
      SamplingProcess p = ps.get(i);
      out[i] = p.sample();
      nfe = Math.max(nfe, p.nfe());
      total = Math.max(total, p.step());
    }
    samplesDone.increment(out.length);
    jobs.decrementAndGet();
    listener.onSucceeded(j, out, nfe, total);
  }

  private void report(EngineJob j, long now) {
    boolean progressDue = now - j.lastProgressNanos >= progressIntervalNanos;
    boolean previewDue = j.previewEvery() > 0 && now - j.lastPreviewNanos >= previewIntervalNanos;
    if (!progressDue && !previewDue) {
      return;
    }
    int step = Integer.MAX_VALUE;
    int total = 0;
    int nfe = 0;
    long doneSteps = 0;
    long allSteps = 0;
    for (SamplingProcess p : j.processes()) {
      int s = p.step();
      int t = Math.max(p.totalSteps(), s);
      step = Math.min(step, s);
      total = Math.max(total, t);
      nfe = Math.max(nfe, p.nfe());
      doneSteps += p.isDone() ? t : s;
      allSteps += t;
    }
    double fraction = allSteps == 0 ? 0 : Math.min(1.0, (double) doneSteps / allSteps);
    if (progressDue && (step != j.lastProgressStep || fraction > 0)) {
      double elapsed = (now - j.startedNanos) / 1e9;
      double eta = fraction > 0 ? elapsed / fraction * (1 - fraction) : Double.NaN;
      j.lastProgressStep = step;
      j.lastProgressNanos = now;
      listener.onProgress(j, step, total, nfe, fraction, eta);
    }
    if (previewDue && step >= j.lastPreviewStep + j.previewEvery()) {
      int m = Math.min(MAX_PREVIEW_SAMPLES, j.processes().size());
      float[][] x0 = new float[m][];
      for (int i = 0; i < m; i++) {
        float[] den = j.processes().get(i).denoised();
        x0[i] = den == null ? new float[d] : den.clone();
      }
      j.lastPreviewStep = step;
      j.lastPreviewNanos = now;
      listener.onPreview(j, step, x0);
    }
  }
}
