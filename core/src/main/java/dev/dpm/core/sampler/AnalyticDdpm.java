package dev.dpm.core.sampler;

import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ReverseVariance;

/**
 * Analytic-DDPM (Bao et al. 2022, Thm 1 and eq. 9; reference §4.2): the DDPM-type mean with the
 * optimal variance σ² = β̃_{s|t} + (ᾱ_s β²_{t|s}/β̄²_t)·clip((β̄_t/ᾱ_t)(1 − Γ^eps_t), 0, ((b−a)/2)²),
 * computed from the model's Γ moments.
 */
public final class AnalyticDdpm extends DiscreteSampler {
  AnalyticDdpm(SamplerSettings settings, ModelContext model, Trajectory trajectory) {
    super(settings, model, trajectory,
        new ReverseVariance.Analytic(false, 0.0, model.gamma(), model.dataRange()),
        MeanForm.DDPM);
  }
}
