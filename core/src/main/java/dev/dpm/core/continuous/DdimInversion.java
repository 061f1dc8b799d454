package dev.dpm.core.continuous;

import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.schedule.NoiseSchedule;

/**
 * DDIM inversion (Song et al. 2020a §4.3; Dhariwal &amp; Nichol 2021 eq. 13; diffusers
 * {@code DDIMInverseScheduler}): the deterministic DDIM step (η = 0) run upwards on the trajectory
 * τ₁ &lt; … &lt; τ_K, with ε taken at the current point,
 *
 * <pre>
 *   x̂₀ = (x_s − √β̄_s ε(x_s, s))/√ᾱ_s,   x_t = √ᾱ_t x̂₀ + √β̄_t ε(x_s, s),   s = τ_k, t = τ_{k+1},
 * </pre>
 *
 * that is, the Euler step of the probability-flow ODE in σ̃ = σ/α run forwards (the sampler's
 * step runs it backwards with ε at the upper end, so the round trip has a first-order error).
 * x̂₀ is not clamped. Starts from x_{τ₁}; its sample is x_{τ_K}.
 */
final class DdimInversion implements SamplingProcess {
  private final NoiseSchedule schedule;
  private final int[] tau; // [K] ascending
  private final double[] x; // [d]
  private float[] req; // [d]
  private float[] x0;
  private int step; // steps done (τ_{step+1} is the current point)

  DdimInversion(NoiseSchedule schedule, int[] tau, float[] start) {
    this.schedule = schedule;
    this.tau = tau;
    this.x = new double[start.length];
    for (int j = 0; j < start.length; j++) {
      x[j] = start[j];
    }
    this.req = start.clone();
  }

  @Override
  public EvalRequest pending() {
    if (isDone()) {
      throw new IllegalStateException("finished");
    }
    return new EvalRequest(req, tau[step]);
  }

  @Override
  public void accept(float[] eps) {
    if (isDone()) {
      throw new IllegalStateException("finished");
    }
    int s = tau[step];
    int t = tau[step + 1];
    double sa = Math.sqrt(schedule.alphaBar(s));
    double sb = Math.sqrt(schedule.betaBar(s));
    double ta = Math.sqrt(schedule.alphaBar(t));
    double tb = Math.sqrt(schedule.betaBar(t));
    float[] p = new float[x.length];
    for (int j = 0; j < x.length; j++) {
      double x0j = (x[j] - sb * eps[j]) / sa;
      p[j] = (float) x0j;
      x[j] = ta * x0j + tb * eps[j];
    }
    x0 = p;
    step++;
    float[] r = new float[x.length];
    for (int j = 0; j < x.length; j++) {
      r[j] = (float) x[j];
    }
    req = r;
  }

  @Override
  public boolean isDone() {
    return step == tau.length - 1;
  }

  @Override
  public float[] sample() {
    if (!isDone()) {
      throw new IllegalStateException("not finished");
    }
    return req;
  }

  @Override
  public int step() {
    return step;
  }

  @Override
  public int totalSteps() {
    return tau.length - 1;
  }

  @Override
  public int nfe() {
    return step;
  }

  @Override
  public float[] denoised() {
    return x0 == null ? null : x0.clone();
  }
}
