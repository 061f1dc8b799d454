package dev.dpm.server.api;

import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.server.jobs.JobRequest;
import dev.dpm.server.jobs.SamplerJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Request bodies (already checked against openapi.yaml's schemas) as typed {@link JobRequest}s: defaults filled, the
 * sampler object parsed. Problems in the sampler object are a 400 here, at the edge.
 */
public final class JobRequests {
  private JobRequests() {}

  /**
   * @param body the {@code POST /v1/jobs} body
   * @return the request
   * @throws ProblemException 400 naming the sampler fields at fault
   */
  public static JobRequest.Sample sample(JsonObject body) {
    List<Problem> problems = new ArrayList<>();
    SamplerSettings sampler = SamplerJson.parse(body.getJsonObject("sampler"), problems);
    Object label = body.getValue("label");
    JsonArray labelArray = body.getJsonArray("labels");
    int n = body.getInteger("n", 1);
    if (label != null && labelArray != null) {
      problems.add(new Problem("labels", "give either label (one class for every sample) or labels, not both"));
    } else if (labelArray != null && labelArray.size() != n) {
      problems.add(new Problem("labels", "needs one label per sample: " + labelArray.size() + " labels for n = " + n));
    }
    if (!problems.isEmpty()) {
      throw ProblemException.invalid(problems);
    }
    List<Object> labels = labelArray == null ? null : labelArray.getList();
    List<String> outputs = new ArrayList<>();
    for (Object o : body.getJsonArray("outputs", new JsonArray().add("npy").add("png"))) {
      outputs.add((String) o);
    }
    Number deadline = (Number) body.getValue("deadlineSeconds");
    return new JobRequest.Sample(body.getString("model"), n,
        body.containsKey("seed") ? body.getLong("seed") : null, outputs, body.getInteger("previewEvery", 0),
        deadline == null ? null : deadline.doubleValue(), sampler, label, labels);
  }

  /**
   * @param model the model of the path
   * @param body the {@code POST /v1/models/{name}/calibrations} body (empty when absent)
   * @return the request
   */
  public static JobRequest.Calibration calibration(String model, JsonObject body) {
    JsonArray g = body.getJsonArray("guidance");
    List<Double> guidance = null;
    if (g != null) {
      guidance = new ArrayList<>();
      for (Object o : g) {
        guidance.add(((Number) o).doubleValue());
      }
      for (int i = 1; i < guidance.size(); i++) {
        if (!(guidance.get(i) > guidance.get(i - 1))) {
          throw ProblemException.invalid(List.of(new Problem("guidance", "the grid of w must be strictly ascending")));
        }
      }
    } else if (body.containsKey("perLabel") || body.containsKey("dataLabels")) {
      throw ProblemException.invalid(List.of(new Problem(body.containsKey("perLabel") ? "perLabel" : "dataLabels",
          "goes with guidance (a guided-Γ calibration)")));
    }
    return new JobRequest.Calibration(model, body.getInteger("samples", 1000), body.getLong("seed", 0L),
        body.getBoolean("install", false), body.getBoolean("controlVariate", false), body.getString("data"),
        guidance, body.getBoolean("perLabel", false), body.getString("dataLabels"));
  }
}
