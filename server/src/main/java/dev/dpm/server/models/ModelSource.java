package dev.dpm.server.models;

import java.io.IOException;
import java.nio.file.Path;

/** Loads one model folder for serving (the manifest, the predictor on a device, Γ). */
@FunctionalInterface
public interface ModelSource {
  /**
   * @param dir the model folder (with {@code model.json})
   * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
   * @return the loaded model
   * @throws IOException if the model cannot be loaded, for example because its file does not match
   *     the manifest's hash (the message says so)
   */
  ServedModel load(Path dir, String device) throws IOException;
}
