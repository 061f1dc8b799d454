package dev.dpm.server.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The typed view of a stored job's {@code spec} column (the JSON is the persisted form only).
 *
 * @param outputs result formats
 * @param previewEvery steps between previews (0: none)
 * @param deadlineSeconds deadline after creation, or null
 * @param priority scheduling priority (0 when the spec has none: calibrations, jobs stored before priorities)
 */
public record JobSpec(List<String> outputs, int previewEvery, Double deadlineSeconds, int priority) {
  /** Defensive copy. */
  public JobSpec {
    outputs = List.copyOf(outputs);
  }

  /**
   * @param spec a record's spec
   * @return its typed view
   */
  public static JobSpec of(JsonObject spec) {
    List<String> outs = new ArrayList<>();
    for (Object o : spec.getJsonArray("outputs", new JsonArray())) {
      outs.add((String) o);
    }
    Number d = (Number) spec.getValue("deadlineSeconds");
    return new JobSpec(outs, spec.getInteger("previewEvery", 0), d == null ? null : d.doubleValue(),
        spec.getInteger("priority", 0));
  }

  /**
   * @param createdAtMs creation time
   * @return the deadline in epoch ms, or 0 for none
   */
  public long deadlineMs(long createdAtMs) {
    return deadlineSeconds == null ? 0 : createdAtMs + (long) Math.ceil(deadlineSeconds * 1000);
  }
}
