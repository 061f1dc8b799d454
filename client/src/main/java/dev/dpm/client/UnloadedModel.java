package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The answer to an unload ({@code POST /v1/admin/models/{name}/unload}).
 *
 * @param name the model name
 * @param status {@code unloaded}
 * @param version the version no longer served, or null
 * @param runningJobs jobs still running on it (they finish; its queued jobs failed with {@code model-unloaded})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UnloadedModel(String name, String status, String version, int runningJobs) {}
