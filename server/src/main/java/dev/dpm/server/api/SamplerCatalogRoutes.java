package dev.dpm.server.api;

import dev.dpm.core.catalog.SamplerCatalog;
import dev.dpm.core.catalog.SamplerParameter;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code GET /v1/samplers}: every sampler and every parameter (type, range, default, one-line help,
 * which samplers it applies to), from {@link SamplerCatalog}, which asks the core's validators. With
 * {@code model} the defaults, step ranges and availability are that model's. The web page builds its
 * form from this, so it cannot go stale.
 */
final class SamplerCatalogRoutes {
  /** The context used when no model is named: the DDPM linear schedule, N = 1000, unbounded data, no Γ. */
  private static final ModelContext GENERIC =
      new ModelContext(NoiseSchedule.linear(1000), 2, DataRange.UNBOUNDED, false, null);

  private final ModelRegistry models;

  /** @param models the served models */
  SamplerCatalogRoutes(ModelRegistry models) {
    this.models = models;
  }

  /**
   * Builds the description (blocking: it constructs every sampler once per parameter).
   *
   * @param modelName a served model, or null for a generic one
   * @return the JSON body
   * @throws ProblemException 404 for an unknown model
   */
  JsonObject describe(String modelName) {
    ModelContext ctx = GENERIC;
    ServedModel m = null;
    if (modelName != null) {
      m = models.get(modelName);
      if (m == null) {
        throw ProblemException.notFound("model '" + modelName + "'");
      }
      ctx = m.context();
    }
    List<SamplerCatalog.Entry> entries = SamplerCatalog.describe(ctx);
    JsonArray params = new JsonArray();
    for (SamplerParameter p : SamplerCatalog.parameters()) {
      JsonArray applies = new JsonArray();
      for (SamplerCatalog.Entry e : entries) {
        if (use(e, p.name()).applies()) {
          applies.add(e.kind().wire());
        }
      }
      params.add(new JsonObject().put("name", p.name()).put("type", p.type())
          .put("choices", new JsonArray(p.choices())).put("min", p.min()).put("minExclusive", p.minExclusive())
          .put("max", p.max()).put("help", p.help()).put("appliesTo", applies));
    }
    JsonArray samplers = new JsonArray();
    for (SamplerCatalog.Entry e : entries) {
      JsonObject ps = new JsonObject();
      for (SamplerCatalog.Use u : e.parameters()) {
        if (u.applies()) {
          ps.put(u.name(), new JsonObject().put("required", u.required()).put("default", u.defaultValue())
              .put("min", u.min()).put("max", u.max()));
        }
      }
      String why = SamplerCatalog.unavailable(e.kind(), ctx);
      String reason = why == null ? null : why + (m == null || !why.startsWith("needs Γ") ? ""
          : " (POST /v1/models/" + m.name() + "/calibrations)");
      samplers.add(new JsonObject().put("name", e.kind().wire()).put("summary", e.summary())
          .put("continuous", e.kind().continuous()).put("needsGamma", e.kind().needsGamma())
          .put("available", e.available()).put("reason", reason).put("parameters", ps));
    }
    return new JsonObject().put("model", m == null ? null : m.name())
        .put("steps", ctx.schedule().steps()).put("parameters", params).put("samplers", samplers);
  }

  private static SamplerCatalog.Use use(SamplerCatalog.Entry e, String name) {
    for (SamplerCatalog.Use u : e.parameters()) {
      if (u.name().equals(name)) {
        return u;
      }
    }
    throw new IllegalStateException(name);
  }
}
