package dev.dpm.core.sampler;

import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ReverseVariance;

/**
 * DDPM ancestral sampling (Ho et al. 2020, Algorithm 2) on a trajectory: the DDPM-type mean
 * μ̃(x_t, x̂₀) of the skip step and a fixed variance, the posterior β̃_{s|t} ("fixed_small",
 * {@code --variance posterior}, the default) or the forward β_{t|s} ("fixed_large",
 * {@code --variance forward}).
 */
public final class Ddpm extends DiscreteSampler {
  Ddpm(SamplerSettings settings, ModelContext model, Trajectory trajectory) {
    super(settings, model, trajectory,
        settings.variance() == SamplerSettings.VarianceKind.FORWARD
            ? new ReverseVariance.Forward() : new ReverseVariance.Posterior(),
        MeanForm.DDPM);
  }
}
