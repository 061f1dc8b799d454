package dev.dpm.server.models;

import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.TorchScriptPredictor;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model repository at run time: the models being served by name, and the ones that failed to
 * load with their root cause. A model that fails to load never stops the server; it is listed
 * ({@link #statuses()}) with status {@code failed} and the loader's message (a hash mismatch, a
 * disagreeing scheduler config, libtorch's own error line).
 *
 * <p>Operations at run time (the admin endpoints call these): {@link #load(String)} a folder of the
 * models directory, {@link #unload(String)} (the model is retired: running jobs that hold a lease
 * finish on it, new jobs no longer find it, its predictor closes with the last lease) and
 * {@link #reload(String)} (the folder loaded afresh through the same checks; on success the new
 * version replaces the old one, which is retired; on failure the old one keeps serving). Each
 * version is named by {@link ServedModel#version()}, so a job record that stores it keeps naming the
 * file that ran it. {@link Listener}s hear of every change (the job service adds and retires engines,
 * and fails a retired model's queued jobs).
 *
 * <p>Thread-safety: all methods may be called from any thread; operations are serialised, and the reads
 * ({@link #get}, {@link #all}, {@link #statuses}) are not held up while an operation loads a network.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /** What a listener hears. */
  public interface Listener {
    /** @param m a model now served (at a load, or the new version of a reload) */
    void loaded(ServedModel m);

    /**
     * @param m a model no longer served (unloaded, or the old version of a reload, heard after the new one's
     *     {@link #loaded}); already {@link ServedModel#retire() retired}, so it grants no new lease, while jobs
     *     holding one still run on it
     */
    void retired(ServedModel m);
  }

  /**
   * One row of the model list.
   *
   * @param name model name
   * @param status {@code loaded} or {@code failed}
   * @param reason why it failed (null when loaded)
   * @param version {@link ServedModel#version()} (null when failed)
   * @param dir the model folder
   * @param since when it was loaded or failed
   */
  public record ModelStatus(String name, String status, String reason, String version, Path dir, Instant since) {
    /** @return whether the model is served */
    public boolean loaded() {
      return "loaded".equals(status);
    }
  }

  /** Why an operation was refused, for the HTTP status. */
  public static final class OperationException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The kind of refusal. */
    public enum Kind {
      /** No such model or folder (404). */
      NOT_FOUND,
      /** Already loaded, or not loaded (409). */
      CONFLICT,
      /** The folder did not pass the loader's checks (400); the message is the root cause. */
      INVALID
    }

    private final Kind kind;

    /**
     * @param kind the kind
     * @param message one line
     * @param cause the loader's exception or null
     */
    public OperationException(Kind kind, String message, Throwable cause) {
      super(message, cause);
      this.kind = kind;
    }

    /** @return the kind */
    public Kind kind() {
      return kind;
    }
  }

  private record Failure(String name, Path dir, String reason, Instant at) {}

  private final Map<String, ServedModel> models = new TreeMap<>(); // guarded by this
  private final Map<String, Instant> since = new TreeMap<>(); // guarded by this
  private final Map<String, Failure> failed = new TreeMap<>(); // guarded by this
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Object ops = new Object(); // serialises load, unload and reload (taken before this)
  private final Path modelsDir;
  private final String device;
  private final ModelSource source;

  /**
   * A registry of already loaded models, without run-time loading.
   *
   * @param models already loaded models
   */
  public ModelRegistry(Collection<ServedModel> models) {
    this(models, null, "cpu", null);
  }

  private ModelRegistry(Collection<ServedModel> loaded, Path modelsDir, String device, ModelSource source) {
    this.modelsDir = modelsDir;
    this.device = device;
    this.source = source;
    Instant now = Instant.now();
    for (ServedModel m : loaded) {
      models.put(m.name(), m);
      since.put(m.name(), now);
    }
  }

  /**
   * Loads every model folder (a folder with {@code model.json} describing a diffusion model) of a
   * directory, or only the given ones. A folder that fails is recorded with its reason and logged;
   * the others are served.
   *
   * @param dir the models folder
   * @param only names of {@code dir}'s folders or absolute model folders, or null for all
   * @param device the device
   * @param source the loader
   * @return the registry (possibly with no model loaded)
   * @throws IOException if the models folder does not exist (and no absolute folders were named)
   */
  public static ModelRegistry load(Path dir, List<String> only, String device, ModelSource source)
      throws IOException {
    boolean allAbsolute = only != null && only.stream().allMatch(v -> Path.of(v).isAbsolute());
    if (!Files.isDirectory(dir) && !allAbsolute) {
      throw new IOException("models directory " + dir.toAbsolutePath() + " does not exist");
    }
    ModelRegistry r = new ModelRegistry(List.of(), dir, device, source);
    List<String> targets = new ArrayList<>();
    if (only != null) {
      targets.addAll(only);
    } else {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path p : ds) {
          if (Files.isRegularFile(p.resolve("model.json")) && ModelLoader.isDiffusionModel(p)) {
            targets.add(p.getFileName().toString());
          }
        }
      }
      targets.sort(null);
    }
    for (String t : targets) {
      try {
        r.load(t, true);
      } catch (OperationException e) {
        // recorded and logged by load; the server starts with the others
      }
    }
    return r;
  }

  /** @param l hears every load and retirement from now on */
  public void addListener(Listener l) {
    listeners.add(l);
  }

  /**
   * Loads a model folder: a folder name of the models directory, or an absolute folder.
   *
   * @param nameOrFolder the folder
   * @return the model, now served
   * @throws OperationException NOT_FOUND (no such folder or no model.json; not listed as failed, unlike a
   *     model named at start-up that is missing), CONFLICT (a model of that name is loaded), INVALID (the loader refused it: the message is the root cause; the failure
   *     is listed until a later load succeeds)
   */
  public ServedModel load(String nameOrFolder) throws OperationException {
    return load(nameOrFolder, false);
  }

  /** @param listMissing whether a missing folder is listed as failed (a model named at start-up) */
  private ServedModel load(String nameOrFolder, boolean listMissing) throws OperationException {
    synchronized (ops) {
      Path dir = folder(nameOrFolder, listMissing);
      String key = dir.getFileName().toString();
      if (get(key) != null) {
        throw new OperationException(OperationException.Kind.CONFLICT, "model '" + key + "' is already loaded;"
            + " reload it to pick up a changed file", null);
      }
      ServedModel m = open(dir, key); // slow (the network is read and probed): readers are not held up
      synchronized (this) {
        if (models.containsKey(m.name())) {
          m.close();
          throw fail(key, dir, "another folder already serves a model named '" + m.name() + "'", null);
        }
        failed.remove(key);
        failed.remove(m.name());
        models.put(m.name(), m);
        since.put(m.name(), Instant.now());
      }
      listeners.forEach(l -> l.loaded(m));
      return m;
    }
  }

  /**
   * Stops serving a model. Jobs that hold a lease finish on it; its predictor closes with the last.
   *
   * @param name model name
   * @return the retired model
   * @throws OperationException NOT_FOUND when no such model is loaded (a failed one is just forgotten)
   */
  public ServedModel unload(String name) throws OperationException {
    synchronized (ops) {
      ServedModel m;
      synchronized (this) {
        m = models.remove(name);
        if (m == null) {
          if (failed.remove(name) != null) {
            throw new OperationException(OperationException.Kind.NOT_FOUND,
                "model '" + name + "' was not loaded (it had failed); its failure is forgotten", null);
          }
          throw new OperationException(OperationException.Kind.NOT_FOUND, "model '" + name + "' is not loaded", null);
        }
        since.remove(name);
      }
      LOG.info("event=model-unloaded model={} version={} leases={}", name, m.version(), m.leases());
      m.retire(); // before the listeners hear it: from now on no job can take a lease on it
      listeners.forEach(l -> l.retired(m));
      return m;
    }
  }

  /**
   * Loads a model's folder again, through the same checks. On success the new version is served and
   * the old one retired (its running jobs finish); on failure the old one keeps serving.
   *
   * @param name a loaded (or failed) model
   * @return the new version
   * @throws OperationException NOT_FOUND (never loaded and no such folder), INVALID (refused: the old
   *     version, if any, is still served)
   */
  public ServedModel reload(String name) throws OperationException {
    synchronized (ops) {
      ServedModel old = get(name);
      Path dir = old != null ? old.spec().dir() : folder(name, false);
      ServedModel m;
      try {
        m = open(dir, name);
      } catch (OperationException e) {
        if (old != null) {
          synchronized (this) {
            failed.remove(name); // still served: the reason goes to the caller and the log, not the list
          }
          LOG.warn("event=model-reload-refused model={} kept={} reason=\"{}\"", name, old.version(), e.getMessage());
        }
        throw e;
      }
      if (!m.name().equals(name)) {
        m.close();
        throw fail(name, dir, "the folder now names its model '" + m.name() + "', not '" + name + "'", null);
      }
      synchronized (this) {
        failed.remove(name);
        models.put(name, m);
        since.put(name, Instant.now());
      }
      listeners.forEach(l -> l.loaded(m));
      if (old != null) {
        LOG.info("event=model-reloaded model={} from={} to={} leases={}", name, old.version(), m.version(),
            old.leases());
        old.retire(); // before the listeners hear it: from now on no job can take a lease on it
        listeners.forEach(l -> l.retired(old));
      }
      return m;
    }
  }

  /**
   * @param name model name
   * @return the served model or null (also null for a failed one)
   */
  public synchronized ServedModel get(String name) {
    return models.get(name);
  }

  /** @return the served models, by name (a snapshot) */
  public synchronized Collection<ServedModel> all() {
    return List.copyOf(models.values());
  }

  /** @return every model, loaded or failed, by name */
  public synchronized List<ModelStatus> statuses() {
    Map<String, ModelStatus> r = new TreeMap<>();
    for (Failure f : failed.values()) {
      r.put(f.name(), new ModelStatus(f.name(), "failed", f.reason(), null, f.dir(), f.at()));
    }
    for (ServedModel m : models.values()) {
      r.put(m.name(), new ModelStatus(m.name(), "loaded", null, m.version(), m.spec().dir(), since.get(m.name())));
    }
    return List.copyOf(r.values());
  }

  /**
   * @param name a model name
   * @return why it failed to load, or null when it did not (or is unknown)
   */
  public synchronized String failure(String name) {
    Failure f = failed.get(name);
    return f == null ? null : f.reason();
  }

  private Path folder(String nameOrFolder, boolean listMissing) throws OperationException {
    if (nameOrFolder == null || nameOrFolder.isBlank()) {
      throw new OperationException(OperationException.Kind.NOT_FOUND, "missing model name", null);
    }
    Path dir;
    if (Path.of(nameOrFolder).isAbsolute()) {
      dir = Path.of(nameOrFolder).normalize();
    } else if (NAME.matcher(nameOrFolder).matches() && modelsDir != null) {
      dir = modelsDir.resolve(nameOrFolder); // a name: never a path that leaves the models folder
    } else {
      throw new OperationException(OperationException.Kind.NOT_FOUND, "'" + nameOrFolder
          + "' is not a folder name of the models directory", null);
    }
    if (!Files.isRegularFile(dir.resolve("model.json"))) {
      String where = modelsDir == null ? "" : " in " + modelsDir.toAbsolutePath();
      String reason = "model '" + dir.getFileName() + "' not found" + where + " (no " + dir.resolve("model.json") + ")";
      if (!listMissing) {
        throw new OperationException(OperationException.Kind.NOT_FOUND, reason, null);
      }
      throw fail(dir.getFileName().toString(), dir, reason, null, OperationException.Kind.NOT_FOUND);
    }
    return dir;
  }

  private ServedModel open(Path dir, String key) throws OperationException {
    if (source == null) {
      throw new OperationException(OperationException.Kind.CONFLICT, "this registry cannot load models", null);
    }
    ServedModel m;
    try {
      m = source.load(dir, device);
    } catch (IOException | RuntimeException e) {
      throw fail(key, dir, e.getMessage() == null ? e.toString() : e.getMessage(), e);
    }
    TorchScriptPredictor ts = m.predictor() instanceof TorchScriptPredictor t ? t
        : m.predictor() instanceof dev.dpm.runtime.model.LabelledTorchScript l ? l.network() : null;
    String batching = ts != null
        ? (ts.batchIndependent() ? "padded-to-" + ts.batchQuantum() : "batch-dependent") : "exact";
    LOG.info("event=model-loaded model={} device={} version={} gamma={} rows={}", m.name(), m.device(),
        m.version(), m.context().gamma() != null, batching);
    if ("batch-dependent".equals(batching)) {
      LOG.warn("event=batch-dependent model={} reason=\"no row padding makes this network's rows independent of"
          + " their batch here; batched jobs may differ from lone runs in the last bits\"", m.name());
    }
    return m;
  }

  private OperationException fail(String name, Path dir, String reason, Throwable cause) {
    return fail(name, dir, reason, cause, OperationException.Kind.INVALID);
  }

  private OperationException fail(String name, Path dir, String reason, Throwable cause, OperationException.Kind kind) {
    synchronized (this) {
      failed.put(name, new Failure(name, dir, reason, Instant.now()));
    }
    LOG.error("event=model-failed model={} dir={} reason=\"{}\"", name, dir, reason);
    return new OperationException(kind, "model '" + name + "' refused: " + reason, cause);
  }

  @Override
  public synchronized void close() {
    for (ServedModel m : models.values()) {
      try {
        m.close();
      } catch (RuntimeException e) {
        LOG.warn("event=model-close-failed model={} error={}", m.name(), e.toString());
      }
    }
  }
}
