package dev.dpm.server.jobs;

import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.results.ImageRenderer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The job as the API shows it (the {@code Job} schema of openapi.yaml), from a record or a live state. */
final class JobViews {
  private final ModelRegistry models;

  JobViews(ModelRegistry models) {
    this.models = models;
  }

  /** A live job: the record plus its progress and queue position. */
  JsonObject of(JobState st) {
    JsonObject o = of(st.record);
    if (!st.record.status().terminal()) {
      o.put("progress", progress(st));
      o.put("queuePosition", st.record.status() == JobStatus.QUEUED ? Math.max(0, st.position) : null);
    }
    return o;
  }

  /** The progress fields of a live job ({@code step, total, nfe, fraction, etaSeconds}). */
  static JsonObject progress(JobState st) {
    double eta = st.eta;
    return new JsonObject().put("step", st.step).put("total", st.total).put("nfe", st.nfe)
        .put("fraction", st.fraction).put("etaSeconds", Double.isFinite(eta) ? eta : null);
  }

  /** A stored job. */
  JsonObject of(JobRecord r) {
    JsonObject spec = r.spec();
    boolean ok = r.status() == JobStatus.SUCCEEDED;
    double fraction = ok ? 1.0 : (r.progressTotal() > 0 ? Math.min(1.0, (double) r.progressStep() / r.progressTotal()) : 0);
    return new JsonObject()
        .put("id", r.id())
        .put("kind", r.kind().wire())
        .put("status", r.status().wire())
        .put("model", r.model())
        .put("modelSha256", r.modelSha256())
        .put("modelVersion", r.modelVersion())
        .put("sampler", spec.getValue("sampler"))
        .put("calibration", spec.getValue("calibration"))
        .put("n", r.n())
        .put("label", spec.getValue("label"))
        .put("labels", spec.getValue("labels"))
        .put("seed", r.seed())
        .put("outputs", spec.getValue("outputs"))
        .put("previewEvery", spec.getInteger("previewEvery", 0))
        .put("deadlineSeconds", spec.getValue("deadlineSeconds"))
        .put("progress", new JsonObject().put("step", r.progressStep()).put("total", r.progressTotal())
            .put("nfe", r.nfe()).put("fraction", fraction).put("etaSeconds", ok ? 0.0 : null))
        .put("queuePosition", null)
        .put("createdAt", r.createdAt().toString())
        .put("startedAt", r.startedAt() == null ? null : r.startedAt().toString())
        .put("finishedAt", r.finishedAt() == null ? null : r.finishedAt().toString())
        .put("error", r.errorCode() == null ? null
            : new JsonObject().put("code", r.errorCode()).put("message", r.errorMessage()))
        .put("results", ok ? links(r) : null);
  }

  private JsonObject links(JobRecord r) {
    String base = "/v1/jobs/" + r.id() + "/result?format=";
    JsonObject l = new JsonObject();
    JsonArray outputs = r.spec().getJsonArray("outputs", new JsonArray());
    if (outputs.contains("npy")) {
      l.put("npy", base + "npy");
    }
    if (outputs.contains("png")) {
      l.put("png", base + "png");
      ServedModel m = models.get(r.model());
      if (m != null && ImageRenderer.isImage(m.spec().sampleShape(), m.spec().dataRange())) {
        l.put("samplePng", base + "png&index={index}");
      }
    }
    if (outputs.contains("json")) {
      l.put("json", base + "json");
    }
    return l;
  }
}
