package dev.dpm.server.engine;

import dev.dpm.core.sampler.SamplingProcess;
import java.util.List;

/**
 * One job as the engine sees it: its processes (one per sample, in sample order), cancellation
 * flag and deadline. Fields other than the flag are owned by the engine thread.
 */
public final class EngineJob {
  private final String id;
  private final List<? extends SamplingProcess> processes;
  private final int previewEvery;
  private final long deadlineEpochMs;
  private final Object attachment;
  private volatile boolean cancelRequested;
  // engine-thread state
  int cursor;
  int live;
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
    this.id = id;
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
}
