/**
 * Reverse-step variances: DDPM posterior β̃ and forward β, DDIM η·β̃, and the Analytic-DPM optimal
 * variance (Bao et al. 2022, Thm 1 / eq. 9, clipped to the Theorem-2 bounds), plus the σ₂ clip.
 */
package dev.dpm.core.variance;
