package dev.dpm.core.sampler;

import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ReverseVariance;

/**
 * Analytic-DDIM (Bao et al. 2022, Thm 1 for λ² = η²β̃; reference §4.3): the DDIM-type mean with
 * σ² = λ² + (√ᾱ_s − √((β̄_s − λ²)ᾱ_t/β̄_t))²·clip((β̄_t/ᾱ_t)(1 − Γ^eps_t), 0, ((b−a)/2)²). It is
 * stochastic even for η = 0.
 */
public final class AnalyticDdim extends DiscreteSampler {
  AnalyticDdim(SamplerSettings settings, ModelContext model, Trajectory trajectory) {
    super(settings, model, trajectory,
        new ReverseVariance.Analytic(true, settings.eta(), model.gamma(), model.dataRange()),
        MeanForm.DDIM);
  }
}
