package dev.dpm.server.jobs;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A job as stored: what was asked (with every default filled), its status and timings. Immutable;
 * transitions return a new record.
 *
 * @param id opaque id
 * @param kind sample or calibration
 * @param status lifecycle state
 * @param model model name
 * @param modelSha256 hash of the model file the job runs (null for oracles)
 * @param modelVersion the model version that runs the job ({@code ServedModel.version()}: the network file's
 *     SHA-256, or the oracle's manifest hash); set at submit, moved to the new version if a reload happens while
 *     the job is queued, never changed once it started
 * @param spec the filled request: {@code sampler}, {@code outputs}, {@code previewEvery},
 *     {@code deadlineSeconds}, {@code calibration}
 * @param n samples (or data points M for a calibration)
 * @param seed noise seed
 * @param idempotencyKey the submit's Idempotency-Key, or null
 * @param requestHash hash of the submitted body (to detect a key reused with another body)
 * @param createdAt submission time
 * @param startedAt start of the current (or last) run, or null
 * @param finishedAt end time, or null
 * @param errorCode failure code ({@code non-finite-output}, {@code deadline-exceeded}, ...) or null
 * @param errorMessage failure message or null
 * @param progressStep steps done when the status last changed
 * @param progressTotal total steps
 * @param nfe network evaluations per sample when the status last changed
 * @param seqReserved the highest event seq that may have been announced (events after a restart start above it)
 * @param tenant the tenant of the API key that submitted the job, or null when the server ran without keys
 */
public record JobRecord(
    String id,
    JobKind kind,
    JobStatus status,
    String model,
    String modelSha256,
    String modelVersion,
    JsonObject spec,
    int n,
    long seed,
    String idempotencyKey,
    String requestHash,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    String errorCode,
    String errorMessage,
    int progressStep,
    int progressTotal,
    int nfe,
    long seqReserved,
    String tenant) {

  /**
   * @param s new status
   * @return a copy with the status changed
   */
  public JobRecord withStatus(JobStatus s) {
    return new JobRecord(id, kind, s, model, modelSha256, modelVersion, spec, n, seed, idempotencyKey, requestHash,
        createdAt, startedAt, finishedAt, errorCode, errorMessage, progressStep, progressTotal, nfe,
        seqReserved, tenant);
  }

  /**
   * @param s status
   * @param started start time
   * @param finished end time
   * @param code error code or null
   * @param message error message or null
   * @param step progress step
   * @param total progress total
   * @param evaluations nfe
   * @return a copy with these fields changed
   */
  public JobRecord transition(JobStatus s, Instant started, Instant finished, String code, String message,
      int step, int total, int evaluations) {
    return new JobRecord(id, kind, s, model, modelSha256, modelVersion, spec, n, seed, idempotencyKey, requestHash,
        createdAt, started, finished, code, message, step, total, evaluations, seqReserved, tenant);
  }

  /**
   * @param sha256 the model file's hash (null for oracles)
   * @param version the model version
   * @return a copy bound to another version of its model (a reload while it was queued)
   */
  public JobRecord withModelVersion(String sha256, String version) {
    return new JobRecord(id, kind, status, model, sha256, version, spec, n, seed, idempotencyKey, requestHash,
        createdAt, startedAt, finishedAt, errorCode, errorMessage, progressStep, progressTotal, nfe, seqReserved,
        tenant);
  }

  /**
   * @param reserved new seq reservation
   * @return a copy with it
   */
  public JobRecord withSeqReserved(long reserved) {
    return new JobRecord(id, kind, status, model, modelSha256, modelVersion, spec, n, seed, idempotencyKey, requestHash,
        createdAt, startedAt, finishedAt, errorCode, errorMessage, progressStep, progressTotal, nfe, reserved,
        tenant);
  }
}
