package dev.dpm.core.catalog;

import dev.dpm.core.continuous.ContinuousSamplers;
import dev.dpm.core.sampler.DiscreteSamplers;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;

/**
 * The one factory of samplers, discrete and continuous: validates settings against a model, fills defaults and
 * returns a ready sampler or every problem found (each naming its field as the CLI flag does). It lives above
 * {@code sampler} and {@code continuous} so that neither package needs the other's factory.
 */
public final class Samplers {
  private Samplers() {}

  /**
   * @param settings what was asked for
   * @param model what the sampler may know about the model
   * @return the sampler or the problems
   */
  public static SamplerResult create(SamplerSettings settings, ModelContext model) {
    java.util.List<dev.dpm.core.sampler.Problem> guidance = new java.util.ArrayList<>();
    dev.dpm.core.sampler.SamplerSpec.checkGuidance(settings.guidance(), guidance);
    if (!guidance.isEmpty()) {
      return new SamplerResult.Invalid(guidance);
    }
    return settings.kind().continuous()
        ? ContinuousSamplers.create(settings, model)
        : DiscreteSamplers.create(settings, model);
  }
}
