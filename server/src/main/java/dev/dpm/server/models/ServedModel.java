package dev.dpm.server.models;

import dev.dpm.core.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.sampler.ModelContext;
import io.vertx.core.json.JsonObject;

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

  /**
   * Installs a new Γ (after a calibration).
   *
   * @param gamma Γ[0..N]
   * @param provenance how it was made
   */
  public void installGamma(double[] gamma, JsonObject provenance) {
    ModelContext c = context;
    context = new ModelContext(c.schedule(), c.dimension(), c.dataRange(), c.eightBit(), gamma);
    gammaProvenance = provenance;
  }

  @Override
  public void close() {
    predictor.close();
  }
}
