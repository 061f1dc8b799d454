package dev.dpm.core.moments;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Where a Γ vector came from, stored with it in {@code gamma.json}.
 *
 * @param modelSha256 hex SHA-256 of the model file (null for oracles)
 * @param data description of the data rows used (file, format, rows), or e.g. "exact samples"
 * @param samples M, the number of data rows averaged per step (0 for a closed form)
 * @param seed the noise seed (0 for a closed form)
 * @param estimator how Γ was obtained
 * @param created when, to the second
 * @param schedule the schedule it belongs to (null when unknown)
 * @param rowsPerStep rows averaged at each step (= samples for the official estimator; 0 for a
 *     closed form)
 */
public record Provenance(
    String modelSha256,
    String data,
    int samples,
    long seed,
    Estimator estimator,
    Instant created,
    ScheduleInfo schedule,
    int rowsPerStep) {

  /**
   * Provenance of a Monte-Carlo estimate made now.
   *
   * @param modelSha256 model file hash (null for oracles)
   * @param data data description
   * @param samples M
   * @param seed noise seed
   * @param schedule schedule info
   * @return the provenance
   */
  public static Provenance monteCarlo(
      String modelSha256, String data, int samples, long seed, ScheduleInfo schedule) {
    return new Provenance(modelSha256, data, samples, seed, Estimator.MONTE_CARLO, now(), schedule, samples);
  }

  /**
   * Provenance of an estimate made now, with its estimator and rows per step.
   *
   * @param modelSha256 model file hash (null for oracles)
   * @param estimate the estimate
   * @param schedule schedule info
   * @return the provenance
   */
  public static Provenance of(String modelSha256, Moments.Estimate estimate, ScheduleInfo schedule) {
    return new Provenance(modelSha256, estimate.data(), estimate.samples(), estimate.seed(), estimate.estimator(),
        now(), schedule, estimate.rowsPerStep());
  }

  /**
   * Provenance of a closed form computed now.
   *
   * @param what what the closed form is of, e.g. "isotropic Gaussian N(0, 0.25 I)"
   * @param schedule schedule info
   * @return the provenance
   */
  public static Provenance closedForm(String what, ScheduleInfo schedule) {
    return new Provenance(null, what, 0, 0, Estimator.CLOSED_FORM, now(), schedule, 0);
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }
}
