package dev.dpm.core.sampler;

import dev.dpm.core.model.SecondHead;

/**
 * One model evaluation a process needs: ε_θ(x, time), and the network's second head when the
 * process's variance depends on it (SN-DPM, NPR-DPM).
 *
 * @param x the input x_t for one sample, [d]; the process must not modify it until the answer
 *     arrives
 * @param time step index n ∈ [0, N] (real-valued for continuous-time samplers)
 * @param head the second head wanted with ε, or null for ε only; then the answer comes through
 *     {@link SamplingProcess#accept(float[], float[], int)}
 */
public record EvalRequest(float[] x, double time, SecondHead head) {
  /**
   * A request for ε only.
   *
   * @param x the input, [d]
   * @param time step index
   */
  public EvalRequest(float[] x, double time) {
    this(x, time, null);
  }
}
