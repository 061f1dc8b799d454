package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A job's progress ({@code Progress} in {@code openapi.yaml}).
 *
 * @param step steps completed by the slowest sample
 * @param total steps of the whole run (an estimate for adaptive solvers)
 * @param nfe network evaluations per sample so far (the most any sample used)
 * @param fraction work done over all samples, in [0, 1]
 * @param etaSeconds estimated seconds to completion, or null when unknown
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Progress(int step, int total, int nfe, double fraction, Double etaSeconds) {}
