package dev.dpm.server.api;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.TorchScriptPredictor;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Locale;

/**
 * A model as the API shows it (the {@code Model} schema of openapi.yaml): a served version with its manifest,
 * samplers and Γ status, or a model that failed to load with its root cause.
 */
final class ModelViews {
  private ModelViews() {}

  /**
   * @param m a served model
   * @param engine its engine (null when it has none yet)
   * @return the {@code Model} JSON with {@code status: loaded}
   */
  static JsonObject of(ServedModel m, BatchEngine engine) {
    var spec = m.spec();
    DataRange r = spec.dataRange();
    boolean gamma = m.context().gamma() != null;
    JsonArray samplers = new JsonArray();
    for (SamplerKind k : SamplerKind.values()) {
      boolean head = k.covariance() == null || m.context().heads().contains(k.covariance().output());
      boolean ok = (!k.needsGamma() || gamma) && head;
      samplers.add(new JsonObject().put("name", k.wire()).put("available", ok)
          .put("reason", ok ? null : !head ? "needs a network with the " + k.covariance().output().wire()
              + " head (the manifest's outputs)"
              : "needs Γ: run a calibration (POST /v1/models/" + m.name() + "/calibrations)")
          .put("continuous", k.continuous()).put("needsGamma", k.needsGamma()));
    }
    var net = m.predictor() instanceof TorchScriptPredictor t ? t
        : m.predictor() instanceof dev.dpm.runtime.model.LabelledTorchScript l ? l.network() : null;
    var cond = m.conditional() == null ? null : m.spec().conditioning();
    var guided = m.guidedGamma();
    return new JsonObject()
        .put("name", m.name())
        .put("status", "loaded")
        .put("error", null)
        .put("version", m.version())
        .put("description", spec.description())
        .put("kind", spec.kind() == ModelKind.TORCHSCRIPT ? "torchscript" : "gaussian-mixture")
        .put("sampleShape", new JsonArray(Arrays.stream(spec.sampleShape()).boxed().toList()))
        .put("dataRange", r.bounded() ? new JsonArray().add(r.low()).add(r.high()) : null)
        .put("eightBit", spec.eightBit())
        .put("prediction", spec.prediction().wire())
        .put("timeInput", spec.timeInput().wire())
        .put("heads", new JsonArray(m.context().heads().stream().map(h -> h.wire()).sorted().toList()))
        .put("schedule", new JsonObject()
            .put("type", spec.schedule().kind().name().toLowerCase(Locale.ROOT).replace('_', '-'))
            .put("steps", m.context().schedule().steps()))
        .put("samplers", samplers)
        .put("gamma", new JsonObject().put("present", gamma).put("provenance", m.gammaProvenance())
            .put("file", gammaFileName(m)))
        .put("device", m.device())
        .put("batchQuantum", net == null ? 1 : net.batchQuantum()) // oracles are exact per row
        .put("batchIndependent", net == null || net.batchIndependent())
        .put("sha256", m.sha256())
        .put("conditioning", cond == null ? null : new JsonObject().put("classes", new JsonArray(cond.classes()))
            .put("nullLabel", cond.nullLabel()).put("guidedGamma", guided == null ? null : new JsonObject()
                .put("guidance", new JsonArray(java.util.Arrays.stream(guided.scales()).boxed().toList()))
                .put("pooled", guided.pooled())
                .put("data", guided.provenance() == null ? null : guided.provenance().data())))
        .put("ready", engine != null && engine.ready());
  }

  /**
   * @param st a model that failed to load
   * @return the {@code Model} JSON with {@code status: failed}, its name and the loader's root cause only
   */
  static JsonObject failed(ModelRegistry.ModelStatus st) {
    return new JsonObject()
        .put("name", st.name())
        .put("status", "failed")
        .put("error", st.reason())
        .put("ready", false);
  }

  /** The Γ file named relative to its folder (the model's, or {@code <dataDir>/gamma}), never as a server path. */
  static String gammaFileName(ServedModel m) {
    java.nio.file.Path f = m.gammaFile();
    if (f == null) {
      return null;
    }
    java.nio.file.Path abs = f.toAbsolutePath().normalize();
    java.nio.file.Path dir = m.spec().dir() == null ? null : m.spec().dir().toAbsolutePath().normalize();
    if (dir != null && abs.startsWith(dir)) {
      return dir.relativize(abs).toString();
    }
    java.nio.file.Path parent = abs.getParent();
    return (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("gamma")
        ? "<dataDir>/gamma/" : "") + abs.getFileName();
  }
}
