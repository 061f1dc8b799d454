package dev.dpm.core.sampler;

import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ImperfectMeanCovariance;
import dev.dpm.core.variance.ReverseVariance;

/**
 * SN-DDIM and NPR-DDIM (Bao et al. 2022b; official {@code DDIM._predict_cov_prev}, typ "optimal"):
 * the DDIM-type mean √ᾱ_s x̂₀ + √(β̄_s − λ²)·ε with λ² = η²β̃_{s|t} and the state-dependent diagonal
 * variance σ²_j = λ² + (√ᾱ_s − √((β̄_s − λ²)ᾱ_t/β̄_t))²·clip((β̄_t/ᾱ_t)·h'_j, 0, ((b−a)/2)²), h' as in
 * {@link ImperfectDdpm}. Stochastic even for η = 0.
 */
public final class ImperfectDdim extends DiscreteSampler {
  ImperfectDdim(SamplerSettings settings, ModelContext model, Trajectory trajectory,
      ImperfectMeanCovariance.Head head) {
    super(settings, model, trajectory,
        new ReverseVariance.Imperfect(head, true, settings.eta(), model.dataRange()), MeanForm.DDIM);
  }
}
