package dev.dpm.server.models;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The models being served, by name. */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
  private final Map<String, ServedModel> models = new TreeMap<>();

  /**
   * @param models already loaded models
   */
  public ModelRegistry(Collection<ServedModel> models) {
    for (ServedModel m : models) {
      this.models.put(m.name(), m);
    }
  }

  /**
   * Loads every model folder (a folder with {@code model.json}) under a directory. A model that
   * cannot be loaded (hash mismatch, unreadable file) stops the start with its message: serving a
   * model that is not what its manifest says would be worse than not starting.
   *
   * @param dir the models folder
   * @param only names to load, or null for all
   * @param device the device
   * @param source the loader
   * @return the registry
   * @throws IOException naming the model that failed
   */
  public static ModelRegistry load(Path dir, List<String> only, String device, ModelSource source)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("models directory " + dir.toAbsolutePath() + " does not exist");
    }
    List<Path> folders = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (Files.isRegularFile(p.resolve("model.json"))
            && dev.dpm.runtime.model.ModelLoader.isDiffusionModel(p)
            && (only == null || only.contains(p.getFileName().toString()))) {
          folders.add(p);
        }
      }
    }
    folders.sort(null);
    if (only != null) {
      for (String name : only) {
        if (folders.stream().noneMatch(p -> p.getFileName().toString().equals(name))) {
          throw new IOException("model '" + name + "' not found in " + dir.toAbsolutePath());
        }
      }
    }
    List<ServedModel> loaded = new ArrayList<>();
    try {
      for (Path p : folders) {
        ServedModel m;
        try {
          m = source.load(p, device);
        } catch (IOException | RuntimeException e) {
          throw new IOException("model '" + p.getFileName() + "' refused: " + e.getMessage(), e);
        }
        String batching = m.predictor() instanceof dev.dpm.runtime.model.TorchScriptPredictor ts
            ? (ts.batchIndependent() ? "padded-to-" + ts.batchQuantum() : "batch-dependent") : "exact";
        LOG.info("event=model-loaded model={} device={} sha256={} gamma={} rows={}", m.name(), m.device(),
            m.sha256(), m.context().gamma() != null, batching);
        if ("batch-dependent".equals(batching)) {
          LOG.warn("event=batch-dependent model={} reason=\"no row padding makes this network's rows independent of"
              + " their batch here; batched jobs may differ from lone runs in the last bits\"", m.name());
        }
        loaded.add(m);
      }
    } catch (IOException e) {
      loaded.forEach(ServedModel::close);
      throw e;
    }
    return new ModelRegistry(loaded);
  }

  /**
   * @param name model name
   * @return the model or null
   */
  public ServedModel get(String name) {
    return models.get(name);
  }

  /** @return all models, by name */
  public Collection<ServedModel> all() {
    return models.values();
  }

  @Override
  public void close() {
    for (ServedModel m : models.values()) {
      try {
        m.close();
      } catch (RuntimeException e) {
        LOG.warn("event=model-close-failed model={} error={}", m.name(), e.toString());
      }
    }
  }
}
