package dev.dpm.server.jobs;

import dev.dpm.core.sampler.SamplerSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * A job request as the API edge parsed it from the body (the schema checked types and bounds; what needs the model
 * is checked by the {@link JobFactory}). Nothing past the edge reads the request JSON.
 */
public sealed interface JobRequest {
  /** @return the model name */
  String model();

  /**
   * The canonical request: defaults filled, keys sorted, so that the same request spelled differently has the same
   * idempotency hash.
   *
   * @return the canonical JSON text
   */
  String canonical();

  /**
   * {@code POST /v1/jobs}.
   *
   * @param model model name
   * @param n samples
   * @param seed seed, or null for a random one
   * @param outputs result formats ({@code npy}, {@code png})
   * @param previewEvery steps between x̂₀ previews (0: none)
   * @param deadlineSeconds deadline from submission, or null
   * @param sampler sampler settings (parsed, not yet validated against the model)
   * @param label the class of every sample as the body gave it (an Integer index or a String name), or null
   * @param labels one class per sample as given (Integer or String each), or null
   */
  record Sample(String model, int n, Long seed, List<String> outputs, int previewEvery, Double deadlineSeconds,
      SamplerSettings sampler, Object label, List<Object> labels) implements JobRequest {
    /** Validates what needs no model. */
    public Sample {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(sampler, "sampler");
      outputs = List.copyOf(outputs);
      labels = labels == null ? null : List.copyOf(labels);
      if (label != null && labels != null) {
        throw new IllegalArgumentException("label and labels are exclusive");
      }
    }

    /**
     * An unconditional request.
     *
     * @param model model name
     * @param n samples
     * @param seed seed or null
     * @param outputs result formats
     * @param previewEvery steps between previews
     * @param deadlineSeconds deadline or null
     * @param sampler sampler settings
     */
    public Sample(String model, int n, Long seed, List<String> outputs, int previewEvery, Double deadlineSeconds,
        SamplerSettings sampler) {
      this(model, n, seed, outputs, previewEvery, deadlineSeconds, sampler, null, null);
    }

    @Override
    public String canonical() {
      return Canonical.sorted(new JsonObject().put("kind", "sample").put("model", model).put("n", n).put("seed", seed)
          .put("outputs", new JsonArray(outputs)).put("previewEvery", previewEvery)
          .put("deadlineSeconds", deadlineSeconds).put("sampler", SamplerJson.toJson(sampler)).put("label", label)
          .put("labels", labels == null ? null : new JsonArray(labels))).encode();
    }
  }

  /**
   * {@code POST /v1/models/{name}/calibrations}.
   *
   * @param model model name
   * @param samples rows of the Monte Carlo estimate
   * @param seed seed
   * @param install whether the Γ replaces the model's
   * @param controlVariate whether the control-variate estimator is used
   * @param data data file named by the client (relative to the allowed folders), or null for an oracle
   * @param guidance the grid of w of a guided-Γ calibration (class-conditional models), or null for plain Γ
   * @param perLabel with guidance: one Γ per label instead of pooled
   * @param dataLabels with guidance and data: the file with each data row's class
   */
  record Calibration(String model, int samples, long seed, boolean install, boolean controlVariate, String data,
      List<Double> guidance, boolean perLabel, String dataLabels) implements JobRequest {
    /** Validates what needs no model. */
    public Calibration {
      Objects.requireNonNull(model, "model");
      guidance = guidance == null ? null : List.copyOf(guidance);
    }

    /**
     * A plain Γ calibration.
     *
     * @param model model name
     * @param samples rows
     * @param seed seed
     * @param install install the result
     * @param controlVariate control variate
     * @param data data file or null
     */
    public Calibration(String model, int samples, long seed, boolean install, boolean controlVariate, String data) {
      this(model, samples, seed, install, controlVariate, data, null, false, null);
    }

    @Override
    public String canonical() {
      return Canonical.sorted(new JsonObject().put("kind", "calibration").put("model", model).put("samples", samples)
          .put("seed", seed).put("install", install).put("controlVariate", controlVariate).put("data", data)
          .put("guidance", guidance == null ? null : new JsonArray(guidance)).put("perLabel", perLabel ? true : null)
          .put("dataLabels", dataLabels)).encode();
    }
  }

  /** Key-sorted JSON. */
  final class Canonical {
    private Canonical() {}

    static JsonObject sorted(JsonObject o) {
      JsonObject out = new JsonObject();
      o.fieldNames().stream().sorted().forEach(k -> {
        Object v = o.getValue(k);
        out.put(k, v instanceof JsonObject j ? sorted(j) : v);
      });
      return out;
    }
  }
}
