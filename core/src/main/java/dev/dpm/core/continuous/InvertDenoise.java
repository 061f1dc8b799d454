package dev.dpm.core.continuous;

import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;

/**
 * Inverts a final denoising step x₀ = (x − σ ε(x, n))/α — the continuous samplers' Tweedie step at
 * t = eps and DDIM's last step τ₁ → 0 — by the fixed-point iteration
 *
 * <pre>
 *   x ← α x₀ + σ ε(x, n),   starting from x = α x₀,
 * </pre>
 *
 * a contraction with factor σ·‖∂ε/∂x‖ (≈ σ²/(α²s² + σ²) for data of scale s; 4e-4 for the
 * Gaussian oracle at n = 1, 0.04 for the ring), stopped per sample when an update moves no
 * coordinate by more than 1e-6·(1 + max|x|), or after 20 evaluations. Its sample is x(n).
 */
final class InvertDenoise implements SamplingProcess {
  static final int MAX_ITERATIONS = 20;
  static final double TOLERANCE = 1e-6;
  private final float[] data; // [d] x₀
  private final double alpha;
  private final double sigma;
  private final double n;
  private float[] x; // [d] current iterate
  private float[] x0; // latest x̂₀ (for previews: the data)
  private int nfe;
  private boolean done;

  InvertDenoise(float[] data, double alpha, double sigma, double n) {
    this.data = data.clone();
    this.alpha = alpha;
    this.sigma = sigma;
    this.n = n;
    this.x = new float[data.length];
    for (int j = 0; j < data.length; j++) {
      x[j] = (float) (alpha * data[j]);
    }
  }

  @Override
  public EvalRequest pending() {
    if (done) {
      throw new IllegalStateException("finished");
    }
    return new EvalRequest(x, n);
  }

  @Override
  public void accept(float[] eps) {
    if (done) {
      throw new IllegalStateException("finished");
    }
    nfe++;
    float[] next = new float[x.length];
    double moved = 0;
    double size = 0;
    for (int j = 0; j < x.length; j++) {
      next[j] = (float) (alpha * data[j] + sigma * eps[j]);
      moved = Math.max(moved, Math.abs((double) next[j] - x[j]));
      size = Math.max(size, Math.abs(next[j]));
    }
    x = next;
    x0 = data;
    done = moved <= TOLERANCE * (1 + size) || nfe >= MAX_ITERATIONS;
  }

  @Override
  public boolean isDone() {
    return done;
  }

  @Override
  public float[] sample() {
    if (!done) {
      throw new IllegalStateException("not finished");
    }
    return x;
  }

  @Override
  public int step() {
    return done ? 1 : 0;
  }

  @Override
  public int totalSteps() {
    return 1;
  }

  @Override
  public int nfe() {
    return nfe;
  }

  @Override
  public float[] denoised() {
    return x0 == null ? null : x0.clone();
  }
}
