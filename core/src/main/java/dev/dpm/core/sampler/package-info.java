/**
 * Samplers as step-wise processes. A {@link dev.dpm.core.sampler.SamplingProcess} owns one sample's
 * state (x, step index, solver history, noise stream), answers "what do you need evaluated next?"
 * with an {@link dev.dpm.core.sampler.EvalRequest} and is handed ε back. It never calls the model,
 * so one engine can batch the requests of many processes into a single network evaluation.
 */
package dev.dpm.core.sampler;
