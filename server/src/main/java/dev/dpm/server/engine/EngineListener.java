package dev.dpm.server.engine;

/**
 * What the engine reports. Called on the engine thread: implementations must return quickly and
 * never block (hand work to another thread).
 */
public interface EngineListener {
  /**
   * Progress after an evaluation (throttled by the engine).
   *
   * @param job the job
   * @param step steps done by its slowest sample
   * @param total total steps
   * @param nfe evaluations per sample (the most any sample used)
   * @param fraction work done over all samples, in [0, 1]
   * @param etaSeconds estimated seconds left, or NaN
   */
  void onProgress(EngineJob job, int step, int total, int nfe, double fraction, double etaSeconds);

  /**
   * x̂₀ of the first samples at a preview step. The arrays are copies owned by the listener.
   *
   * @param job the job
   * @param step the step
   * @param denoised x̂₀ per sample, [k][d]
   */
  void onPreview(EngineJob job, int step, float[][] denoised);

  /**
   * All samples are done.
   *
   * @param job the job
   * @param samples the samples, [n][d], sample order
   * @param nfe evaluations per sample (the most any sample used)
   * @param total total steps
   */
  void onSucceeded(EngineJob job, float[][] samples, int nfe, int total);

  /**
   * The job stopped with an error.
   *
   * @param job the job
   * @param code error code ({@code non-finite-output}, {@code deadline-exceeded}, {@code internal})
   * @param message a sentence for people
   */
  void onFailed(EngineJob job, String code, String message);

  /**
   * The job stopped because it was canceled.
   *
   * @param job the job
   */
  void onCanceled(EngineJob job);
}
