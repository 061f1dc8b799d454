package dev.dpm.server.engine;

/** How the engine groups jobs into network evaluations. */
public enum BatchingMode {
  /**
   * Step-level (continuous) batching, the service's mode: at every step boundary any running job
   * of any sampler may join or leave the evaluation.
   */
  STEP,
  /**
   * Request-level batching, for comparison (what a dynamic batcher of whole requests does): when
   * the engine is free it starts the waiting jobs with the same {@link EngineJob#batchKey()} as
   * the first one, up to the batch size, and admits nothing else until all of them finish.
   */
  REQUEST,
  /** No batching across requests: one job at a time (its own samples still share evaluations). */
  NONE
}
