package dev.dpm.server.models;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.ModelKind;
import dev.dpm.core.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.TorchScriptPredictor;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.schedule.NoiseSchedule;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Loads a model folder: the manifest, the schedule, Γ if present, and the predictor — the exact
 * Gaussian-mixture oracle, or the TorchScript network on the chosen device after checking the
 * file's SHA-256 against the manifest (a mismatch refuses the model).
 */
public final class DefaultModelSource implements ModelSource {
  @Override
  public ServedModel load(Path dir, String device) throws IOException {
    ModelSpec spec = ModelSpec.read(dir);
    NoiseSchedule schedule = spec.schedule().build(dir);
    double[] gamma = null;
    JsonObject provenance = null;
    if (Files.isRegularFile(spec.gammaPath())) {
      Gamma g = Gamma.read(spec.gammaPath(), schedule);
      gamma = g.values();
      Object prov = g.toJson().get("provenance");
      provenance = prov == null ? null : new JsonObject(prov.toString());
    }
    ModelContext ctx = new ModelContext(schedule, spec.dimension(), spec.dataRange(), spec.eightBit(), gamma);
    if (spec.kind() == ModelKind.GAUSSIAN_MIXTURE) {
      NoisePredictor p = GaussianMixturePredictor.of(spec);
      return new ServedModel(spec, p, ctx, null, "cpu", provenance);
    }
    Path file = dir.resolve(spec.file());
    String actual = sha256(file);
    if (spec.sha256() == null || !spec.sha256().equalsIgnoreCase(actual)) {
      throw new IOException("file " + file.getFileName() + " does not match the manifest: sha256 is " + actual
          + ", model.json says " + spec.sha256());
    }
    Device d = resolve(device);
    NoisePredictor p = TorchScriptPredictor.open(spec, schedule, d);
    return new ServedModel(spec, p, ctx, actual, d.toString(), provenance);
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

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int r;
      while ((r = in.read(buf)) > 0) {
        md.update(buf, 0, r);
      }
      StringBuilder sb = new StringBuilder();
      for (byte b : md.digest()) {
        sb.append(String.format("%02x", b));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
