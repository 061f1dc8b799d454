package dev.dpm.server.models;

import dev.dpm.runtime.model.GammaJson;
import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.sampler.ModelContext;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a model folder for serving through the core's {@link ModelLoader}, so that the server and
 * the command line share one loading path: the manifest, the schedule, the SHA-256 check of a
 * TorchScript file against the manifest (a mismatch refuses the model with a message naming both
 * hashes), the Γ file (used only when it belongs to the schedule and, for networks, to this network
 * file), and the predictor on the chosen device (oracles always run on the CPU).
 */
public final class DefaultModelSource implements ModelSource {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultModelSource.class);

  private final boolean networks;

  /** A source with no state; every {@link #load} reads the folder afresh. */
  public DefaultModelSource() {
    this(true);
  }

  private DefaultModelSource(boolean networks) {
    this.networks = networks;
  }

  /**
   * The source of an API node of a cluster, which validates requests but runs no job: a TorchScript model's
   * manifest, schedule, Γ files and the network file's SHA-256 (the version jobs are pinned to) are read, the network
   * itself is not loaded (no libtorch memory, no device). Oracles load as usual (they are formulas).
   *
   * @return the source
   */
  public static DefaultModelSource manifestsOnly() {
    return new DefaultModelSource(false);
  }

  @Override
  public ServedModel load(Path dir, String device) throws IOException {
    ModelSpec spec = ModelSpec.read(dir);
    boolean network = spec.kind() == ModelKind.TORCHSCRIPT;
    if (network && !networks) {
      return manifestOnly(spec);
    }
    Device d = network ? resolve(device) : null;
    // verifyHash is what ModelLoader.load runs first as well; doing it here too gives the served
    // model its hash (LoadedModel does not carry it) at the cost of reading the file twice
    String sha = network ? ModelLoader.verifyHash(spec) : null;
    LoadedModel lm = ModelLoader.load(spec, d);
    try {
      Gamma gamma = null;
      if (lm.gamma() != null) {
        gamma = GammaJson.read(spec.gammaPath(), lm.schedule());
      } else if (lm.gammaNote() != null) {
        LOG.warn("event=gamma-ignored model={} reason=\"{}\"", spec.name(), lm.gammaNote());
      }
      ServedModel m = new ServedModel(spec, lm.predictor(), lm.context(), sha, network ? describe(d) : "cpu", null);
      if (gamma != null) {
        m.installGamma(gamma, spec.gammaPath());
      }
      if (lm.guidedGamma() != null) {
        m.installGuidedGamma(lm.guidedGamma());
      }
      return m;
    } catch (IOException | RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /** A TorchScript model as an API node serves it: everything but the network. */
  private static ServedModel manifestOnly(ModelSpec spec) throws IOException {
    String sha = ModelLoader.verifyHash(spec);
    ModelContext ctx = ModelLoader.context(spec);
    ServedModel m = new ServedModel(spec, ManifestOnlyPredictor.of(spec), ctx, sha, "none", null);
    if (ctx.gamma() != null) {
      m.installGamma(GammaJson.read(spec.gammaPath(), ctx.schedule()), spec.gammaPath());
    }
    GuidedGamma guided = ModelLoader.guidedGamma(spec, ctx.schedule());
    if (guided != null) {
      m.installGuidedGamma(guided);
    }
    return m;
  }

  /**
   * @param d a DJL device
   * @return {@code cpu} or {@code gpu(N)}, as {@code /v1/models} reports it
   */
  public static String describe(Device d) {
    return d.isGpu() ? "gpu(" + d.getDeviceId() + ")" : "cpu";
  }

  /**
   * @param device auto, cpu, gpu or gpu:N
   * @return the DJL device (auto: the first GPU when the engine finds CUDA, else CPU)
   */
  public static Device resolve(String device) {
    if (device.equals("cpu")) {
      return Device.cpu();
    }
    if (device.startsWith("gpu")) {
      int i = device.contains(":") ? Integer.parseInt(device.substring(4)) : 0;
      return Device.gpu(i);
    }
    Engine e = Engine.getEngine("PyTorch");
    return e.getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
  }
}
