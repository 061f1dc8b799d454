package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.List;

/**
 * A job as the server reports it ({@code Job} in {@code openapi.yaml}): its request with every
 * default filled in, status, progress, timings and result links.
 *
 * @param id the job id (opaque)
 * @param kind sampling or calibration
 * @param status where the job is in its life
 * @param model the model name
 * @param modelSha256 SHA-256 of the model file the job ran (null for oracle models)
 * @param modelVersion the model version that runs or ran the job (the file's SHA-256, or an oracle's manifest
 *     hash); moved to the new version by a reload while queued, fixed once the job started
 * @param sampler the sampler with every default filled in (null for calibration jobs)
 * @param calibration the calibration request (calibration jobs only)
 * @param n samples (sampling jobs) or data points M (calibration jobs)
 * @param seed the noise seed
 * @param outputs the result files the job writes
 * @param previewEvery steps between preview events (0: none)
 * @param deadlineSeconds the deadline after submission, or null
 * @param progress the progress
 * @param queuePosition 0-based position among queued jobs (null unless queued)
 * @param createdAt when the job was submitted
 * @param startedAt when it started running, or null
 * @param finishedAt when it reached its terminal status, or null
 * @param error why it failed, or null
 * @param results links to the result files (null until the job succeeded)
 * @param label the class of every sample (class-conditional jobs), as an index, or null
 * @param labels the class of each sample, when the request gave labels, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Job(
    String id,
    JobKind kind,
    JobStatus status,
    String model,
    String modelSha256,
    String modelVersion,
    SamplerParams sampler,
    CalibrationRequest calibration,
    int n,
    long seed,
    List<OutputFormat> outputs,
    Integer previewEvery,
    Double deadlineSeconds,
    Progress progress,
    Integer queuePosition,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    JobError error,
    ResultLinks results,
    Integer label,
    List<Integer> labels) {

  /** Copies the list. */
  public Job {
    outputs = outputs == null ? List.of() : List.copyOf(outputs);
    labels = labels == null ? null : List.copyOf(labels);
  }

  /** @return true when the job will not change again (succeeded, failed or canceled) */
  @JsonIgnore
  public boolean isTerminal() {
    return status != null && status.isTerminal();
  }
}
