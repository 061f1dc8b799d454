package dev.dpm.core.sampler;

/**
 * One model evaluation a process needs: ε_θ(x, time).
 *
 * @param x the input x_t for one sample, [d]; the process must not modify it until the answer
 *     arrives
 * @param time step index n ∈ [0, N] (real-valued for continuous-time samplers)
 */
public record EvalRequest(float[] x, double time) {}
