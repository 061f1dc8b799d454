package dev.dpm.server.models;

import dev.dpm.runtime.model.GammaJson;
import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Gamma;
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

  /** A source with no state; every {@link #load} reads the folder afresh. */
  public DefaultModelSource() {}

  @Override
  public ServedModel load(Path dir, String device) throws IOException {
    ModelSpec spec = ModelSpec.read(dir);
    boolean network = spec.kind() == ModelKind.TORCHSCRIPT;
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
