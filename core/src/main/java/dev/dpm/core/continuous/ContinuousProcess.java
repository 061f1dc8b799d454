package dev.dpm.core.continuous;

import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;

/**
 * What every continuous-time process shares: the pending request, NFE counting, the x̂₀ preview
 * and the final denoising step. A subclass keeps its own state (x in double precision, solver
 * history) and implements {@link #advance}, which consumes ε for the pending request and either
 * {@link #ask asks} for the next evaluation or calls {@link #finish}.
 *
 * <p>Final denoising (when on): one more evaluation at the last time t_K and the result is
 * x̂₀ = (x − σ(t_K) ε)/α(t_K) (Tweedie's formula; score_sde {@code noise_removal}, DPM-Solver
 * {@code denoise_to_zero}; +1 NFE).
 */
abstract class ContinuousProcess implements SamplingProcess {
  final VpSde sde;
  final int d;
  private final boolean denoise;
  private final double finalTime;
  private float[] reqX; // [d], the pending request's x (float32, what the network sees)
  private double reqT; // the pending request's continuous time
  private float[] x0; // [d], latest x̂₀, or null (computed on demand from the last* fields)
  private float[] lastX; // the x, ε and time of the latest evaluation, for x̂₀ on demand
  private float[] lastEps;
  private double lastT;
  private float[] result; // [d], set when done
  private boolean denoising;
  private int nfe;

  /**
   * @param sde the SDE
   * @param d dimension
   * @param denoise whether to end with the denoising evaluation
   * @param finalTime t_K, where the process ends (and denoises)
   */
  ContinuousProcess(VpSde sde, int d, boolean denoise, double finalTime) {
    this.sde = sde;
    this.d = d;
    this.denoise = denoise;
    this.finalTime = finalTime;
  }

  /**
   * Consumes ε for the pending request (at {@link #requestTime()}, x = {@link #requestX()}).
   *
   * @param eps ε, [d]
   */
  abstract void advance(float[] eps);

  /** Draws ahead what {@link #advance} will draw (see {@link SamplingProcess#prepare}); none by default. */
  void prepareAdvance() {}

  @Override
  public final void prepare() {
    if (result == null && !denoising) {
      prepareAdvance();
    }
  }

  /**
   * Sets the next request.
   *
   * @param x the point, [d] (rounded to float32)
   * @param t its time
   */
  final void ask(double[] x, double t) {
    float[] r = new float[d];
    for (int j = 0; j < d; j++) {
      r[j] = (float) x[j];
    }
    reqX = r;
    reqT = t;
  }

  /**
   * Ends the solve at x(t_K): either with the denoising evaluation or with x itself.
   *
   * @param x the state at t_K, [d]
   */
  final void finish(double[] x) {
    if (denoise) {
      denoising = true;
      ask(x, finalTime);
    } else {
      result = new float[d];
      for (int j = 0; j < d; j++) {
        result[j] = (float) x[j];
      }
    }
  }

  /** @return the pending request's time */
  final double requestTime() {
    return reqT;
  }

  /** @return the pending request's x (float32) */
  final float[] requestX() {
    return reqX;
  }

  @Override
  public final EvalRequest pending() {
    if (result != null) {
      throw new IllegalStateException("the sample is finished");
    }
    return new EvalRequest(reqX, sde.stepIndex(reqT));
  }

  @Override
  public final void accept(float[] eps) {
    if (result != null) {
      throw new IllegalStateException("the sample is finished");
    }
    nfe++;
    lastX = reqX; // ask() replaces reqX by a new array, so this one stays as it is
    lastEps = eps;
    lastT = reqT;
    x0 = null;
    if (denoising) {
      result = denoisedNow();
    } else {
      advance(eps);
    }
  }

  /** x̂₀ = (x − σε)/α of the latest evaluation, [d]. */
  private float[] denoisedNow() {
    if (x0 == null && lastEps != null) {
      double a = sde.alpha(lastT);
      double s = sde.sigma(lastT);
      float[] p = new float[d];
      for (int j = 0; j < d; j++) { // x̂₀ = (x − σε)/α
        p[j] = (float) ((lastX[j] - s * lastEps[j]) / a);
      }
      x0 = p;
    }
    return x0;
  }

  @Override
  public final boolean isDone() {
    return result != null;
  }

  @Override
  public final float[] sample() {
    if (result == null) {
      throw new IllegalStateException("the sample is not finished");
    }
    return result;
  }

  @Override
  public final int nfe() {
    return nfe;
  }

  @Override
  public final float[] denoised() {
    float[] p = denoisedNow();
    return p == null ? null : p.clone();
  }
}
