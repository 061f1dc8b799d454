/**
 * Γ moments: Γ^eps_n = E‖ε_θ(x_n, n)‖²/d (ε units; reference §2.3), the one statistic of a model
 * that the Analytic-DPM variance and optimal trajectory need. {@link dev.dpm.core.moments.Moments}
 * estimates it by Monte Carlo over data (as the official code does) and gives the closed form of
 * the isotropic Gaussian; {@link dev.dpm.core.moments.Gamma} stores it as {@code gamma.json} beside
 * the model with its provenance.
 */
package dev.dpm.core.moments;
