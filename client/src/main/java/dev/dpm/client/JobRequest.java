package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * A sampling job to submit ({@code JobRequest} in {@code openapi.yaml}). Null fields are left out
 * of the request and take the server's defaults, which the returned {@link Job} echoes.
 *
 * <pre>{@code
 * JobRequest r = JobRequest.builder("gmm-ring-2d", SamplerParams.of(SamplerName.ANALYTIC_DDPM, 50))
 *     .optN(16).optSeed(7L).build();
 * }</pre>
 *
 * @param model the model name (see {@link DpmClient#models()})
 * @param sampler the sampler and its parameters
 * @param n the number of samples (default 1)
 * @param seed the noise seed; sample i uses noise stream i of it (random and echoed when null)
 * @param outputs the result files to write, a non-empty subset of npy and png (default both)
 * @param previewEvery send a {@code preview} event every this many steps (0 or null: none)
 * @param deadlineSeconds the job fails with {@code deadline-exceeded} if it has not finished this
 *     long after submission (null: no deadline)
 * @param label the class of every sample of a class-conditional model, an index ("7") or a name ("sneaker");
 *     null: unconditional samples
 * @param labels one class per sample (instead of label; n entries)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobRequest(
    String model,
    SamplerParams sampler,
    Integer n,
    Long seed,
    List<OutputFormat> outputs,
    Integer previewEvery,
    Double deadlineSeconds,
    String label,
    List<String> labels) {

  /** Checks what the schema says without asking the server (the server checks the rest). */
  public JobRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(sampler, "sampler");
    outputs = outputs == null ? null : List.copyOf(outputs);
    labels = labels == null ? null : List.copyOf(labels);
    if (label != null && labels != null) {
      throw new IllegalArgumentException("give label or labels, not both");
    }
    if (labels != null && labels.size() != (n == null ? 1 : n)) {
      throw new IllegalArgumentException("labels needs one entry per sample: " + labels.size() + " for n = "
          + (n == null ? 1 : n));
    }
    if (outputs != null && (outputs.isEmpty() || outputs.stream().anyMatch(o -> o != OutputFormat.NPY && o != OutputFormat.PNG))) {
      throw new IllegalArgumentException("outputs must be a non-empty subset of [npy, png], was " + outputs);
    }
    if (n != null && n < 1) {
      throw new IllegalArgumentException("n must be ≥ 1, was " + n);
    }
    if (previewEvery != null && previewEvery < 0) {
      throw new IllegalArgumentException("previewEvery must be ≥ 0, was " + previewEvery);
    }
    if (deadlineSeconds != null && !(deadlineSeconds > 0)) {
      throw new IllegalArgumentException("deadlineSeconds must be > 0, was " + deadlineSeconds);
    }
  }

  /**
   * @param model the model name
   * @param sampler the sampler
   * @return a builder with every optional field at the server's default
   */
  public static Builder builder(String model, SamplerParams sampler) {
    return new Builder(model, sampler);
  }

  /** @return a builder holding this request (changing it never changes this record) */
  public Builder toBuilder() {
    return new Builder(model, sampler).optN(n).optSeed(seed).optOutputs(outputs)
        .optPreviewEvery(previewEvery).optDeadlineSeconds(deadlineSeconds).optLabel(label).optLabels(labels);
  }

  /** Builder of {@link JobRequest}; {@code opt*} setters take null for "the server's default". */
  public static final class Builder {
    private String model;
    private SamplerParams sampler;
    private Integer n;
    private Long seed;
    private List<OutputFormat> outputs;
    private Integer previewEvery;
    private Double deadlineSeconds;
    private String label;
    private List<String> labels;

    private Builder(String model, SamplerParams sampler) {
      setModel(model);
      setSampler(sampler);
    }

    /** @param v the model name @return this */
    public Builder setModel(String v) {
      model = Objects.requireNonNull(v, "model");
      return this;
    }

    /** @param v the sampler @return this */
    public Builder setSampler(SamplerParams v) {
      sampler = Objects.requireNonNull(v, "sampler");
      return this;
    }

    /** @param v the number of samples @return this */
    public Builder optN(Integer v) {
      n = v;
      return this;
    }

    /** @param v the noise seed @return this */
    public Builder optSeed(Long v) {
      seed = v;
      return this;
    }

    /** @param v the result files to write @return this */
    public Builder optOutputs(List<OutputFormat> v) {
      outputs = v;
      return this;
    }

    /** @param v steps between preview events (0: none) @return this */
    public Builder optPreviewEvery(Integer v) {
      previewEvery = v;
      return this;
    }

    /** @param v the deadline in seconds after submission @return this */
    public Builder optDeadlineSeconds(Double v) {
      deadlineSeconds = v;
      return this;
    }

    /** @param v the class of every sample (index or name) @return this */
    public Builder optLabel(String v) {
      label = v;
      return this;
    }

    /** @param v one class per sample (index or name) @return this */
    public Builder optLabels(List<String> v) {
      labels = v;
      return this;
    }

    /**
     * @return the request
     * @throws IllegalArgumentException for a field out of its documented range
     */
    public JobRequest build() {
      return new JobRequest(model, sampler, n, seed, outputs, previewEvery, deadlineSeconds, label, labels);
    }
  }
}
