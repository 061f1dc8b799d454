/** Trajectories: the ascending timesteps 1 ≤ τ₁ &lt; … &lt; τ_K ≤ N a sampler visits, the only source of step pairs. */
package dev.dpm.core.trajectory;
