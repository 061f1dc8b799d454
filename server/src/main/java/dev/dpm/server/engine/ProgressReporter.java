package dev.dpm.server.engine;

import dev.dpm.core.sampler.SamplingProcess;
import java.util.concurrent.TimeUnit;

/**
 * Throttled progress and preview reports of running jobs (engine thread only): progress at most
 * every {@code progressIntervalMs}, x̂₀ previews of the first samples at most every
 * {@code previewIntervalMs} and every {@link EngineJob#previewEvery()} steps.
 */
final class ProgressReporter {
  private static final int MAX_PREVIEW_SAMPLES = 64;

  private final EngineListener listener;
  private final int d;
  private final long progressIntervalNanos;
  private final long previewIntervalNanos;

  ProgressReporter(EngineListener listener, int d, long progressIntervalMs, long previewIntervalMs) {
    this.listener = listener;
    this.d = d;
    this.progressIntervalNanos = TimeUnit.MILLISECONDS.toNanos(progressIntervalMs);
    this.previewIntervalNanos = TimeUnit.MILLISECONDS.toNanos(previewIntervalMs);
  }

  /** Marks a job as started now (its first report is due at once). */
  void started(EngineJob j, long now) {
    j.startedNanos = now;
    j.lastProgressNanos = now - progressIntervalNanos;
    j.lastPreviewNanos = now - previewIntervalNanos;
  }

  /** Reports a job's progress and preview when due. */
  void report(EngineJob j, long now) {
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
