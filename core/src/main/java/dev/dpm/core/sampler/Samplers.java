package dev.dpm.core.sampler;

/**
 * The one factory of samplers: validates settings against a model, fills defaults and returns a
 * ready {@link Sampler} or every problem found.
 */
public final class Samplers {
  private Samplers() {}

  /**
   * @param settings what was asked for
   * @param model what the sampler may know about the model
   * @return the sampler or the problems
   */
  public static SamplerResult create(SamplerSettings settings, ModelContext model) {
    // TODO(core helper): discrete family; TODO(continuous helper): SDE/ODE family
    throw new UnsupportedOperationException("not yet: " + settings.kind().wire());
  }
}
