/**
 * DPM core: the pure mathematics of diffusion sampling. Noise schedules, trajectories, reverse
 * variances (Analytic-DPM), Γ moments, samplers written as step-wise processes that ask for
 * model evaluations, and likelihood bounds. No server code, no threads.
 */
package dev.dpm.core;
