package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Whether a model can use a sampler ({@code SamplerAvailability} in {@code openapi.yaml}).
 *
 * @param name the sampler
 * @param available whether a job may use it now
 * @param reason why it is not available (e.g. no Γ), or null
 * @param continuous whether it is a continuous-time (SDE/ODE) sampler
 * @param needsGamma whether it needs the model's Γ moments
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SamplerAvailability(
    SamplerName name, boolean available, String reason, Boolean continuous, Boolean needsGamma) {}
