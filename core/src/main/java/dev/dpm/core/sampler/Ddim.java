package dev.dpm.core.sampler;

import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ReverseVariance;

/**
 * DDIM (Song et al. 2020a, eq. 12 and 16): the DDIM-type mean √ᾱ_s x̂₀ + √(β̄_s − λ²)ε with
 * σ² = λ² = η²β̃_{s|t}; η = 0 (the default) is deterministic after x_T.
 */
public final class Ddim extends DiscreteSampler {
  Ddim(SamplerSettings settings, ModelContext model, Trajectory trajectory) {
    super(settings, model, trajectory, new ReverseVariance.Ddim(settings.eta()), MeanForm.DDIM);
  }
}
