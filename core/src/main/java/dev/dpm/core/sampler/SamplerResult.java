package dev.dpm.core.sampler;

import java.util.List;

/** The outcome of configuring a sampler: a ready sampler, or the problems with the request. */
public sealed interface SamplerResult {
  /**
   * @param sampler the configured sampler
   */
  record Ok(Sampler sampler) implements SamplerResult {}

  /**
   * @param problems every problem found, each naming its field
   */
  record Invalid(List<Problem> problems) implements SamplerResult {}
}
