package dev.dpm.server.models;

import dev.dpm.runtime.model.GammaJson;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.sampler.ModelContext;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * A model the server serves: its manifest, the predictor the engine evaluates, what samplers may
 * know about it (schedule, Γ), the file hash and the device. Γ can be replaced at run time by a
 * calibration job; everything else is fixed.
 */
public final class ServedModel implements AutoCloseable {
  private final ModelSpec spec;
  private final NoisePredictor predictor;
  private final String sha256;
  private final String device;
  private volatile ModelContext context;
  private volatile JsonObject gammaProvenance;
  private volatile Path gammaFile;

  /**
   * @param spec the manifest
   * @param predictor the ε predictor (owned: closed with this model)
   * @param context schedule, dimension, data range, Γ (null Γ if uncalibrated)
   * @param sha256 hash of the model file (null for oracles)
   * @param device where it runs, e.g. {@code cpu}, {@code gpu(0)}
   * @param gammaProvenance how Γ was made (null if unknown or absent)
   */
  public ServedModel(ModelSpec spec, NoisePredictor predictor, ModelContext context, String sha256,
      String device, JsonObject gammaProvenance) {
    this.spec = spec;
    this.predictor = predictor;
    this.context = context;
    this.sha256 = sha256;
    this.device = device;
    this.gammaProvenance = gammaProvenance;
  }

  /** @return model name */
  public String name() {
    return spec.name();
  }

  /** @return the manifest */
  public ModelSpec spec() {
    return spec;
  }

  /** @return the predictor */
  public NoisePredictor predictor() {
    return predictor;
  }

  /** @return the sampler context (current Γ) */
  public ModelContext context() {
    return context;
  }

  /** @return model file hash or null */
  public String sha256() {
    return sha256;
  }

  /** @return device description */
  public String device() {
    return device;
  }

  /** @return Γ provenance or null */
  public JsonObject gammaProvenance() {
    return gammaProvenance;
  }

  /** @return the file the current Γ was read from or written to, or null */
  public Path gammaFile() {
    return gammaFile;
  }

  /**
   * Installs a Γ (read at start, or just estimated by a calibration job).
   *
   * @param gamma Γ^eps[0..N] with its provenance
   * @param file where it is stored (null if only in memory)
   */
  public void installGamma(Gamma gamma, Path file) {
    ModelContext c = context;
    context = c.withGamma(gamma.values());
    gammaProvenance = provenanceJson(gamma);
    gammaFile = file;
  }

  /**
   * @param gamma a Γ
   * @return its provenance as stored in {@code gamma.json}, or null
   */
  public static JsonObject provenanceJson(Gamma gamma) {
    Object p = GammaJson.toJson(gamma).get("provenance");
    return p == null ? null : new JsonObject(p.toString());
  }

  @Override
  public void close() {
    predictor.close();
  }
}
