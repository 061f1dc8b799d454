package dev.dpm.bench.engine;

import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.engine.EngineListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An engine listener that records when each job finished (System.nanoTime) and its samples;
 * progress and previews are ignored. Failures and cancellations complete the job's future
 * exceptionally.
 */
public final class Completions implements EngineListener {
  /**
   * A finished job.
   *
   * @param nanos System.nanoTime at completion
   * @param samples the samples, [n][d]
   */
  public record Done(long nanos, float[][] samples) {}

  private final Map<String, CompletableFuture<Done>> jobs = new ConcurrentHashMap<>();
  private final List<String> order = new CopyOnWriteArrayList<>();

  /** @return the ids of the jobs that succeeded, in completion order */
  public List<String> order() {
    return order;
  }

  /**
   * @param id job id
   * @return the future of that job (created on first use)
   */
  public CompletableFuture<Done> of(String id) {
    return jobs.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  @Override
  public void onProgress(EngineJob job, int step, int total, int nfe, double fraction, double etaSeconds) {}

  @Override
  public void onPreview(EngineJob job, int step, float[][] denoised) {}

  @Override
  public void onSucceeded(EngineJob job, float[][] samples, int nfe, int total) {
    long now = System.nanoTime();
    order.add(job.id());
    of(job.id()).complete(new Done(now, samples));
  }

  @Override
  public void onFailed(EngineJob job, String code, String message) {
    of(job.id()).completeExceptionally(new IllegalStateException(code + ": " + message));
  }

  @Override
  public void onCanceled(EngineJob job) {
    of(job.id()).completeExceptionally(new IllegalStateException("canceled"));
  }
}
