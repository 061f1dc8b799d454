/**
 * Continuous-time samplers on the VP-SDE view of a model (Song et al. 2021; Lu et al. 2022):
 * reverse-SDE Euler–Maruyama and predictor–corrector, probability-flow ODE solvers (Euler, Heun,
 * adaptive Dormand–Prince RK45, DPM-Solver++(2M) and (3M), UniPC bh2), EDM Heun with churn and
 * SDE-DPM-Solver++(2M) (on time grids or the karras/uniform/logsnr noise-level grids of
 * {@link dev.dpm.core.continuous.TimeGrid}), the probability-flow ODE likelihood, and
 * encoding data to latents (ODE and DDIM inversion).
 *
 * <p>Every solver is a {@link dev.dpm.core.sampler.SamplingProcess}: it asks for ε at
 * (x, n = t·N) and never calls the model. Each sample keeps its own state in double precision on
 * the host (the network sees float32), its own noise stream and, for RK45, its own step size, so a
 * sample is bit-identical whatever its batch-mates. {@link dev.dpm.core.continuous.VpSde} holds the
 * SDE; {@link dev.dpm.core.continuous.ContinuousSamplers} validates settings and builds samplers;
 * {@link dev.dpm.core.continuous.OdeLikelihood} and {@link dev.dpm.core.continuous.Encoder} are the
 * entry points of {@code ./dpm nll --method ode} and {@code ./dpm encode}.
 */
package dev.dpm.core.continuous;
