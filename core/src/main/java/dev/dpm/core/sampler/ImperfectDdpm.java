package dev.dpm.core.sampler;

import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ImperfectMeanCovariance;
import dev.dpm.core.variance.ReverseVariance;

/**
 * SN-DDPM and NPR-DDPM (Bao et al. 2022b, "Estimating the Optimal Covariance with Imperfect Mean in
 * Diffusion Probabilistic Models"; official {@code DDPM._predict_cov_prev}, typ "optimal"): the
 * DDPM-type mean with the state-dependent diagonal variance
 * σ²_j = β̃_{s|t} + (ᾱ_s β²_{t|s}/β̄²_t)·clip((β̄_t/ᾱ_t)·h'_j, 0, ((b−a)/2)²), where h' = E[ε²|x_t] − ε_θ²
 * (SN, the {@code eps2} head) or E[(ε − ε_θ)²|x_t] (NPR, the {@code epsc} head).
 */
public final class ImperfectDdpm extends DiscreteSampler {
  ImperfectDdpm(SamplerSettings settings, ModelContext model, Trajectory trajectory,
      ImperfectMeanCovariance.Head head) {
    super(settings, model, trajectory,
        new ReverseVariance.Imperfect(head, false, 0.0, model.dataRange()), MeanForm.DDPM);
  }
}
