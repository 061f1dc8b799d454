package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A Γ calibration of a model ({@code CalibrationRequest} in {@code openapi.yaml}): the Monte Carlo
 * estimate Γ^eps[n] = E‖ε_θ(x_n, n)‖²/d over {@code samples} data points, run as a job.
 * Null fields take the server's defaults.
 *
 * @param samples M, the data points of the estimate (default 1000)
 * @param seed the seed (default 0)
 * @param install make the result the model's Γ when the job succeeds (default false)
 * @param controlVariate use ‖ε‖²/d of the noise as a control variate (default false): the same Γ in
 *     expectation, a far smaller standard error at large n
 * @param data a data file on the server (npy or MNIST IDX, optionally gzip-compressed) whose first
 *     {@code samples} rows are used; required for network models, left out for oracle models (exact
 *     samples); relative paths are looked up in the model's folder, then the server's calibration
 *     data folders
 * @param guidance the grid of w of a guided-Γ calibration (class-conditional models), or null
 * @param perLabel with guidance: one Γ per label instead of pooled (null: pooled)
 * @param dataLabels with guidance and data: the file with each data row's class, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CalibrationRequest(Integer samples, Long seed, Boolean install, Boolean controlVariate, String data,
    List<Double> guidance, Boolean perLabel, String dataLabels) {
  /** Checks the schema's ranges. */
  public CalibrationRequest {
    if (samples != null && samples < 2) {
      throw new IllegalArgumentException("samples must be ≥ 2, was " + samples);
    }
    if (data != null && (data.isEmpty() || data.length() > 4096)) {
      throw new IllegalArgumentException("data must be 1–4096 characters");
    }
  }

  /**
   * A calibration without a data file (oracle models draw exact samples).
   *
   * @param samples M, or null for the default
   * @param seed the seed, or null for the default
   * @param install whether to install the result, or null for the default
   */
  public CalibrationRequest(Integer samples, Long seed, Boolean install) {
    this(samples, seed, install, null, null, null, null, null);
  }

  /**
   * A calibration reading a data file on the server, plain Monte Carlo.
   *
   * @param samples M, or null for the default
   * @param seed the seed, or null for the default
   * @param install whether to install the result, or null for the default
   * @param data the data file, or null
   */
  public CalibrationRequest(Integer samples, Long seed, Boolean install, String data) {
    this(samples, seed, install, null, data, null, null, null);
  }

  /** @return a request with every field at the server's default */
  public static CalibrationRequest defaults() {
    return new CalibrationRequest(null, null, null, null, null, null, null, null);
  }

  /**
   * @param file a data file on the server
   * @return this request reading that file
   */
  public CalibrationRequest withData(String file) {
    return new CalibrationRequest(samples, seed, install, controlVariate, file, guidance, perLabel, dataLabels);
  }

  /**
   * @param on whether to use the control variate
   * @return this request with the control variate on or off
   */
  public CalibrationRequest withControlVariate(boolean on) {
    return new CalibrationRequest(samples, seed, install, on, data, guidance, perLabel, dataLabels);
  }

  /**
   * @param grid the grid of w (ascending)
   * @param perLabelGamma one Γ per label instead of pooled
   * @return this request as a guided-Γ calibration
   */
  public CalibrationRequest withGuidance(List<Double> grid, boolean perLabelGamma) {
    return new CalibrationRequest(samples, seed, install, controlVariate, data, grid == null ? null : List.copyOf(grid),
        perLabelGamma, dataLabels);
  }
}
