package dev.dpm.core.continuous;

import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;
import java.util.function.Function;

/** Two processes one after the other: the second starts from the first's sample. */
final class Chain implements SamplingProcess {
  private final SamplingProcess first;
  private final Function<float[], SamplingProcess> then;
  private SamplingProcess second;

  Chain(SamplingProcess first, Function<float[], SamplingProcess> then) {
    this.first = first;
    this.then = then;
    if (first.isDone()) {
      second = then.apply(first.sample());
    }
  }

  private SamplingProcess current() {
    return second != null ? second : first;
  }

  @Override
  public EvalRequest pending() {
    return current().pending();
  }

  @Override
  public void accept(float[] eps) {
    current().accept(eps);
    if (second == null && first.isDone()) {
      second = then.apply(first.sample());
    }
  }

  @Override
  public void prepare() {
    if (!isDone()) {
      current().prepare();
    }
  }

  @Override
  public boolean isDone() {
    return second != null && second.isDone();
  }

  @Override
  public float[] sample() {
    if (!isDone()) {
      throw new IllegalStateException("not finished");
    }
    return second.sample();
  }

  @Override
  public int step() {
    return first.step() + (second == null ? 0 : second.step());
  }

  @Override
  public int totalSteps() {
    return first.totalSteps() + (second == null ? 0 : second.totalSteps());
  }

  @Override
  public int nfe() {
    return first.nfe() + (second == null ? 0 : second.nfe());
  }

  @Override
  public float[] denoised() {
    float[] d = second == null ? null : second.denoised();
    return d != null ? d : first.denoised();
  }
}
