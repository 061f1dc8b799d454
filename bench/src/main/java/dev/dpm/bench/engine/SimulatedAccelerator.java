package dev.dpm.bench.engine;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in for a network on an accelerator, for benchmarks and tests only (never a served
 * model): an evaluation of b rows takes {@code fixed + perRow·b} of wall time, at most
 * {@code maxRows} rows per call, and returns the exact ε of the Gaussian oracle N(0, s²I)
 * ({@link GaussianMixturePredictor}, deterministic, rows independent). The caller's thread
 * waits as it would for a device: parked until shortly before the deadline, then spinning, so the
 * host is free for other work meanwhile (an accelerator computes off the host).
 *
 * <p>It carries the oracle's closed-form second heads (eps2, epsc) too, at the same latency: a network computes
 * its heads in the same evaluation.
 *
 * <p>Counts evaluations, rows and host↔device copies (one copy in and one out per evaluation,
 * as a device predictor makes them).
 */
public final class SimulatedAccelerator implements NoisePredictor {
  private static final long SPIN_NANOS = 80_000;

  private final NoisePredictor oracle;
  private final double variance;
  private final long fixedNanos;
  private final long perRowNanos;
  private final int maxRows;
  private final AtomicLong evaluations = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private long lastExit; // guarded by this; host gaps assume one engine per accelerator
  private long gapNanos;
  private long gaps;

  /**
   * @param schedule the forward process of the oracle
   * @param d values per row
   * @param variance s², the oracle's data variance
   * @param fixedMicros latency of any evaluation, µs
   * @param perRowMicros added latency per row, µs
   * @param maxRows rows per call, ≥ 1 (a larger batch throws, as a device out of memory would)
   */
  public SimulatedAccelerator(NoiseSchedule schedule, int d, double variance, double fixedMicros,
      double perRowMicros, int maxRows) {
    if (d < 1 || !(variance > 0) || fixedMicros < 0 || perRowMicros < 0 || maxRows < 1) {
      throw new IllegalArgumentException("need d >= 1, variance > 0, latencies >= 0, maxRows >= 1");
    }
    double[][] means = {new double[d]};
    this.oracle = new GaussianMixturePredictor(
        new MixtureSpec(new double[] {1.0}, means, new double[] {Math.sqrt(variance)}), schedule);
    this.variance = variance;
    this.fixedNanos = Math.round(fixedMicros * 1e3);
    this.perRowNanos = Math.round(perRowMicros * 1e3);
    this.maxRows = maxRows;
  }

  /** The default: 1 ms + 5 µs per row, at most 256 rows, oracle N(0, 0.25·I). */
  public static SimulatedAccelerator standard(NoiseSchedule schedule, int d) {
    return new SimulatedAccelerator(schedule, d, 0.25, 1000, 5, 256);
  }

  /**
   * @param batch rows
   * @return the modelled latency of one evaluation, ns
   */
  public long latencyNanos(int batch) {
    return fixedNanos + perRowNanos * batch;
  }

  /** @return rows per call */
  public int maxRows() {
    return maxRows;
  }

  /** @return how it is named in benchmark output */
  public String describe() {
    return String.format(Locale.ROOT,
        "simulated accelerator (%.0f µs + %.1f µs/row, ≤ %d rows, ε of the Gaussian oracle N(0, %.2g·I), d = %d)",
        fixedNanos / 1e3, perRowNanos / 1e3, maxRows, variance, oracle.dimension());
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    return timed(batch, () -> oracle.predictEps(x, time, batch));
  }

  @Override
  public Set<SecondHead> secondHeads() {
    return oracle.secondHeads();
  }

  @Override
  public Prediction predict(float[] x, double[] time, int batch, Set<SecondHead> heads) {
    return timed(batch, () -> oracle.predict(x, time, batch, heads));
  }

  /** Runs one evaluation of {@code batch} rows with the modelled latency and counts it. */
  private <T> T timed(int batch, Supplier<T> evaluation) {
    if (batch > maxRows) {
      throw new IllegalArgumentException("batch " + batch + " exceeds the accelerator's " + maxRows + " rows");
    }
    long entry = System.nanoTime();
    synchronized (this) {
      if (lastExit != 0) {
        gapNanos += entry - lastExit;
        gaps++;
      }
    }
    long deadline = entry + latencyNanos(batch);
    T out = evaluation.get();
    waitUntil(deadline);
    evaluations.incrementAndGet();
    rows.addAndGet(batch);
    synchronized (this) {
      lastExit = System.nanoTime();
    }
    return out;
  }

  /** Parks until shortly before {@code deadline} (System.nanoTime), then spins. */
  static void waitUntil(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > SPIN_NANOS) {
      LockSupport.parkNanos(left - SPIN_NANOS);
    }
    while (System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }

  /**
   * The host time between evaluations: from the end of one call to the start of the next, averaged
   * since the last {@link #resetGaps} (the caller's work per step while the device would idle).
   *
   * @return mean gap, ns (NaN before two calls)
   */
  public synchronized double meanGapNanos() {
    return gaps == 0 ? Double.NaN : (double) gapNanos / gaps;
  }

  /** Forgets the gaps so far (the next call starts a new series). */
  public synchronized void resetGaps() {
    lastExit = 0;
    gapNanos = 0;
    gaps = 0;
  }

  /** @return evaluations so far */
  public long evaluations() {
    return evaluations.get();
  }

  /** @return rows evaluated so far */
  public long rows() {
    return rows.get();
  }

  /** @return host↔device copies so far: one in and one out per evaluation */
  public long copies() {
    return 2 * evaluations.get();
  }

  @Override
  public int dimension() {
    return oracle.dimension();
  }

  @Override
  public void close() {}
}
