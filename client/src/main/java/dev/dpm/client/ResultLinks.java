package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Links to a succeeded job's result files ({@code ResultLinks} in {@code openapi.yaml}); fetch them
 * with {@link DpmClient#result(String, OutputFormat)}. A link is null when the job has no such file.
 *
 * @param npy all samples as {@code .npy}
 * @param png the PNG grid or scatter plot
 * @param samplePng the per-sample PNG link template, {@code {index}} to be replaced
 * @param json the Γ file of a calibration job
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResultLinks(String npy, String png, String samplePng, String json) {}
