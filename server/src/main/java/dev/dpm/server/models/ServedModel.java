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
 *
 * <p>Lifetime: a job that runs on the model holds a lease ({@link #acquire()} … {@link #release()}).
 * Unloading {@link #retire() retires} the model: no new lease is granted, and the predictor is closed
 * when the last lease is released (at once when none is held), so running jobs finish on the version
 * they started with.
 */
public final class ServedModel implements AutoCloseable {
  private final ModelSpec spec;
  private final NoisePredictor predictor;
  private final String sha256;
  private final String device;
  private volatile ModelContext context;
  private volatile JsonObject gammaProvenance;
  private volatile Path gammaFile;
  private volatile dev.dpm.core.moments.GuidedGamma guidedGamma;
  private final String manifestHash; // an oracle's version, read when it was loaded
  private int leases; // guarded by this
  private boolean retired; // guarded by this
  private boolean closed; // guarded by this

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
    this.manifestHash = sha256 == null ? hashManifest(spec) : null;
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

  /**
   * The version a job record names: the network file's SHA-256, or for an oracle the SHA-256 of its
   * {@code model.json} (its whole definition). A reload with another file is another version.
   *
   * @return hex SHA-256, or null when the manifest cannot be hashed
   */
  public String version() {
    if (sha256 != null) {
      return sha256;
    }
    return manifestHash;
  }

  private static String hashManifest(ModelSpec spec) {
    try {
      return dev.dpm.runtime.model.ModelLoader.sha256(spec.dir().resolve("model.json"));
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Takes a lease for a job that is about to run on this model.
   *
   * @return false when the model is retired (unloaded or replaced by a reload): run nothing on it
   */
  public synchronized boolean acquire() {
    if (retired) {
      return false;
    }
    leases++;
    return true;
  }

  /** Returns a lease; the last one of a retired model closes the predictor. */
  public void release() {
    boolean close;
    synchronized (this) {
      if (leases == 0) {
        throw new IllegalStateException("release without acquire on model " + name());
      }
      leases--;
      close = retired && leases == 0 && !closed;
      closed |= close;
    }
    if (close) {
      predictor.close();
    }
  }

  /** Grants no more leases; closes the predictor now when none is held, else when the last is returned. */
  public void retire() {
    boolean close;
    synchronized (this) {
      retired = true;
      close = leases == 0 && !closed;
      closed |= close;
    }
    if (close) {
      predictor.close();
    }
  }

  /** @return whether the model was retired */
  public synchronized boolean retired() {
    return retired;
  }

  /** @return leases held by running jobs */
  public synchronized int leases() {
    return leases;
  }

  /** @return whether the predictor has been closed */
  public synchronized boolean closed() {
    return closed;
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

  /** @return the guided Γ grid of a conditional model, or null */
  public dev.dpm.core.moments.GuidedGamma guidedGamma() {
    return guidedGamma;
  }

  /**
   * Installs a guided Γ grid (read at start, or just estimated by a calibration job).
   *
   * @param grid the grid
   */
  public void installGuidedGamma(dev.dpm.core.moments.GuidedGamma grid) {
    guidedGamma = grid;
  }

  /** @return the predictor as a conditional one, or null when the model takes no labels */
  public dev.dpm.core.model.ConditionalPredictor conditional() {
    return predictor instanceof dev.dpm.core.model.ConditionalPredictor c && spec.conditioning() != null ? c : null;
  }

  /**
   * @param gamma a Γ
   * @return its provenance as stored in {@code gamma.json}, or null
   */
  public static JsonObject provenanceJson(Gamma gamma) {
    Object p = GammaJson.toJson(gamma).get("provenance");
    return p == null ? null : new JsonObject(p.toString());
  }

  /** Closes the predictor now, leases or not (server shutdown). */
  @Override
  public void close() {
    synchronized (this) {
      retired = true;
      if (closed) {
        return;
      }
      closed = true;
    }
    predictor.close();
  }
}
