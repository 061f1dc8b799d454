package dev.dpm.core.trajectory;

/** How timesteps are chosen (reference §2.7–2.8). */
public enum TrajectoryKind {
  /** τ_k = round(1 + (k−1)(N−1)/(K−1)), half-even on an accumulated double. */
  EVEN,
  /** DDIM quad: τ_k = int(linspace(0, √(0.8N), K)²_k) + 1. */
  QUADRATIC,
  /** DDIM uniform: τ = 1, 1 + ⌊N/K⌋, … (&lt; N+1). */
  UNIFORM,
  /** Analytic-DPM optimal trajectory (dynamic programming on Γ, §4). */
  OPTIMAL,
  /** An explicit list. */
  EXPLICIT,
  /**
   * diffusers {@code timestep_spacing="leading"}: τ_k = (k−1)·⌊N/K⌋ + 1 + steps_offset
   * ({@code DDIMScheduler.set_timesteps}, shifted from diffusers' 0-based t to n = t + 1).
   */
  LEADING,
  /** diffusers {@code "trailing"}: τ = round(N − i·N/K), i = 0..K−1 (half-even; ends at N). */
  TRAILING,
  /** diffusers {@code "linspace"}: τ = round(linspace(0, N−1, K)) + 1 (half-even; ends at N). */
  LINSPACE
}
