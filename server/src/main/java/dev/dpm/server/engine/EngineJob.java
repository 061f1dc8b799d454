package dev.dpm.server.engine;

import dev.dpm.core.sampler.SamplingProcess;
import java.util.List;

/**
 * One job as the engine sees it: its processes (one per sample, in sample order), priority,
 * batch key, cancellation flag and deadline. Fields other than the flag are owned by the engine
 * thread.
 */
public final class EngineJob {
  private final String id;
  private final List<? extends SamplingProcess> processes;
  private final int previewEvery;
  private final long deadlineEpochMs;
  private final int priority;
  private final String batchKey;
  private final Object attachment;
  private final dev.dpm.core.model.Condition[] conditions; // [n] or null (unconditional)
  private final int rowsPerSample;
  private volatile boolean cancelRequested;
  private volatile String tenant;
  private volatile long nfeLimit; // 0 = none
  // engine-thread state
  int cursor;
  int live;
  int skipped; // evaluations in a row left out with pending rows (RowPacker's fairness state)
  int passedOver; // later arrivals admitted ahead of it while it waited (Admission)
  int lastProgressStep = -1;
  long lastProgressNanos;
  int lastPreviewStep;
  long lastPreviewNanos;
  final long admittedNanos = System.nanoTime();
  long startedNanos;

  /**
   * @param id job id
   * @param processes one process per sample, sample i at index i
   * @param previewEvery steps between previews (0 = none)
   * @param deadlineEpochMs wall-clock deadline in epoch ms (0 = none)
   * @param attachment the owner's state, handed back in listener calls
   */
  public EngineJob(String id, List<? extends SamplingProcess> processes, int previewEvery,
      long deadlineEpochMs, Object attachment) {
    this(id, processes, previewEvery, deadlineEpochMs, 0, "", attachment);
  }

  /**
   * @param id job id
   * @param processes one process per sample, sample i at index i
   * @param previewEvery steps between previews (0 = none)
   * @param deadlineEpochMs wall-clock deadline in epoch ms (0 = none)
   * @param priority higher-priority rows go first at every step boundary (0 = normal)
   * @param batchKey jobs that may share a request-level batch have equal keys (sampler settings
   *     and step count; see {@link BatchingMode#REQUEST}); unused by step-level batching
   * @param attachment the owner's state, handed back in listener calls
   */
  public EngineJob(String id, List<? extends SamplingProcess> processes, int previewEvery,
      long deadlineEpochMs, int priority, String batchKey, Object attachment) {
    this(id, processes, null, previewEvery, deadlineEpochMs, priority, batchKey, attachment);
  }

  /**
   * A class-conditional job: sample i is conditioned on {@code conditions[i]} (its label, and the guidance whose
   * conditional and unconditional rows the engine packs into the same evaluation).
   *
   * @param id job id
   * @param processes one process per sample
   * @param conditions one condition per sample, or null for an unconditional job
   * @param previewEvery steps between previews (0 = none)
   * @param deadlineEpochMs deadline in epoch ms (0 = none)
   * @param priority higher first
   * @param batchKey request-level batch key
   * @param attachment the owner's state
   */
  public EngineJob(String id, List<? extends SamplingProcess> processes, dev.dpm.core.model.Condition[] conditions,
      int previewEvery, long deadlineEpochMs, int priority, String batchKey, Object attachment) {
    if (conditions != null && conditions.length != processes.size()) {
      throw new IllegalArgumentException("one condition per process: " + conditions.length + " for "
          + processes.size());
    }
    this.conditions = conditions == null ? null : conditions.clone();
    int per = 1;
    for (dev.dpm.core.model.Condition c : this.conditions == null ? new dev.dpm.core.model.Condition[0]
        : this.conditions) {
      if (c.guidance() != null && c.guidance().w() != 0.0 && c.guidance().w() != 1.0) {
        per = 2;
      }
    }
    this.rowsPerSample = per;
    this.id = id;
    this.priority = priority;
    this.batchKey = batchKey == null ? "" : batchKey;
    this.processes = processes;
    this.previewEvery = previewEvery;
    this.deadlineEpochMs = deadlineEpochMs;
    this.attachment = attachment;
    int l = 0;
    for (SamplingProcess p : processes) {
      if (!p.isDone()) {
        l++;
      }
    }
    this.live = l;
  }

  /** @return job id */
  public String id() {
    return id;
  }

  /** @return the processes, sample order */
  public List<? extends SamplingProcess> processes() {
    return processes;
  }

  /** @return steps between previews (0 = none) */
  public int previewEvery() {
    return previewEvery;
  }

  /** @return deadline in epoch ms, 0 for none */
  public long deadlineEpochMs() {
    return deadlineEpochMs;
  }

  /** @return the priority (higher first) */
  public int priority() {
    return priority;
  }

  /**
   * Names the tenant that owns the job, so that the engine shares rows fairly across tenants before it shares them
   * across a tenant's jobs ({@link RowPacker}). Call before {@link BatchEngine#submit}.
   *
   * @param t the tenant, or null (a server without API keys: every job belongs to the one local user)
   * @return this
   */
  public EngineJob tenant(String t) {
    this.tenant = t;
    return this;
  }

  /** @return the owning tenant, or null */
  public String tenant() {
    return tenant;
  }

  /**
   * Holds every sample to at most {@code limit} network evaluations: a sample that has used them all and is not done
   * fails the job with {@link Failure.NfeLimitExceeded} (the admitted cost of an adaptive solver is enforced). Call
   * before {@link BatchEngine#submit}.
   *
   * @param limit evaluations per sample, 0 for no limit
   * @return this
   */
  public EngineJob nfeLimit(long limit) {
    this.nfeLimit = limit;
    return this;
  }

  /** @return the first sample over {@link #nfeLimit}, as a failure, or null */
  Failure overNfeLimit() {
    long limit = nfeLimit;
    if (limit <= 0) {
      return null;
    }
    for (int i = 0; i < processes.size(); i++) {
      SamplingProcess p = processes.get(i);
      if (!p.isDone() && p.nfe() >= limit) {
        return new Failure.NfeLimitExceeded(i, limit);
      }
    }
    return null;
  }

  /** @return the request-level batch key */
  public String batchKey() {
    return batchKey;
  }

  /**
   * @param i sample index
   * @return its condition ({@link dev.dpm.core.model.Condition#NONE} for unconditional jobs)
   */
  public dev.dpm.core.model.Condition condition(int i) {
    return conditions == null ? dev.dpm.core.model.Condition.NONE : conditions[i];
  }

  /** @return whether the job's samples carry labels */
  public boolean conditional() {
    return conditions != null;
  }

  /** @return network rows per unfinished sample at most (2 for guided jobs, else 1) */
  int rowsPerSample() {
    return rowsPerSample;
  }

  /** @return the owner's state */
  public Object attachment() {
    return attachment;
  }

  /** Asks the engine to stop this job at its next evaluation. */
  public void cancel() {
    cancelRequested = true;
  }

  /** @return whether a cancel was requested */
  public boolean cancelRequested() {
    return cancelRequested;
  }

  /**
   * A finished job's outputs.
   *
   * @param samples the samples, [n][d], sample order
   * @param nfe evaluations per sample (the most any sample used)
   * @param total steps (the most any sample took)
   */
  record Finished(float[][] samples, int nfe, int total) {}

  /** @return the outputs; every process must be done */
  Finished finished() {
    float[][] out = new float[processes.size()][];
    int nfe = 0;
    int total = 0;
    for (int i = 0; i < out.length; i++) {
      SamplingProcess p = processes.get(i);
      out[i] = p.sample();
      nfe = Math.max(nfe, p.nfe());
      total = Math.max(total, p.step());
    }
    return new Finished(out, nfe, total);
  }
}
