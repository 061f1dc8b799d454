package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A Γ calibration of a model ({@code CalibrationRequest} in {@code openapi.yaml}): the Monte Carlo
 * estimate Γ^eps[n] = E‖ε_θ(x_n, n)‖²/d over {@code samples} data points, run as a job.
 * Null fields take the server's defaults.
 *
 * @param samples M, the data points of the estimate (default 1000)
 * @param seed the seed (default 0)
 * @param install make the result the model's Γ when the job succeeds (default false)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CalibrationRequest(Integer samples, Long seed, Boolean install) {
  /** Checks the schema's range of {@code samples}. */
  public CalibrationRequest {
    if (samples != null && samples < 2) {
      throw new IllegalArgumentException("samples must be ≥ 2, was " + samples);
    }
  }

  /** @return a request with every field at the server's default */
  public static CalibrationRequest defaults() {
    return new CalibrationRequest(null, null, null);
  }
}
