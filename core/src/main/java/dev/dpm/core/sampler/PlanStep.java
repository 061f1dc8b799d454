package dev.dpm.core.sampler;

/**
 * One step of a discrete sampler's plan ({@code ./dpm plan}), x_from → x_to.
 *
 * @param from t
 * @param to s &lt; t (0 on the last step)
 * @param lambda2 λ²_{s|t}, the forward-family variance behind the mean (β̃ for DDPM type,
 *     η²β̃ for DDIM type)
 * @param sigma2 the σ² the sampler draws with: after the sampling-only σ₂ clip when it is on,
 *     0 on the last (mean-only) step
 * @param gamma Γ^eps_t, or null when the model has no Γ moments
 */
public record PlanStep(int from, int to, double lambda2, double sigma2, Double gamma) {}
