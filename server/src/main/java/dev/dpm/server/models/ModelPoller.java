package dev.dpm.server.models;

import dev.dpm.runtime.model.ModelLoader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the models directory (as Triton's {@code --model-control-mode=poll}): each {@link #poll()} compares every
 * model folder with what it was at the previous scan and asks the {@link ModelRegistry} to load a new folder, reload a
 * changed one and unload a model whose folder is gone. A folder's fingerprint is the name, size and modification time
 * of its files (the Γ file the server itself installs excepted, so a calibration does not trigger a reload); a load
 * that fails is not retried until the folder changes again (a network file still being copied fails its hash check,
 * then loads once the copy is complete).
 *
 * <p>Only folders of the models directory are watched; models served from absolute folders (a {@code --model /path})
 * are left alone. With a list of names ({@code --model a --model b}) only those folders are watched.
 */
public final class ModelPoller {
  private static final Logger LOG = LoggerFactory.getLogger(ModelPoller.class);
  private final ModelRegistry registry;
  private final Path dir;
  private final List<String> only;
  private final Map<String, String> seen = new HashMap<>(); // folder name -> fingerprint at the last scan

  /**
   * Takes the folders as they are now as already handled (the registry loaded them, or recorded their failure).
   *
   * @param registry the repository
   * @param dir the models directory
   * @param only folder names to watch, or null for all
   */
  public ModelPoller(ModelRegistry registry, Path dir, List<String> only) {
    this.registry = registry;
    this.dir = dir.toAbsolutePath().normalize();
    this.only = only == null ? null : only.stream().filter(n -> !Path.of(n).isAbsolute()).toList();
    seen.putAll(scan());
  }

  /**
   * One scan: loads new folders, reloads changed ones, unloads models whose folder is gone.
   *
   * @return what it did, one entry per folder acted on ({@code load}, {@code reload}, {@code unload}; a refused
   *     operation as {@code load-refused} etc.), by folder name
   */
  public synchronized Map<String, String> poll() {
    Map<String, String> now = scan();
    Map<String, String> done = new TreeMap<>();
    for (Map.Entry<String, String> e : now.entrySet()) {
      String folder = e.getKey();
      if (e.getValue().equals(seen.get(folder))) {
        continue;
      }
      ServedModel served = servedFrom(dir.resolve(folder));
      String op = served == null ? "load" : "reload";
      try {
        if (served == null) {
          registry.load(folder);
        } else {
          registry.reload(served.name());
        }
        done.put(folder, op);
      } catch (ModelRegistry.OperationException ex) {
        done.put(folder, op + "-refused"); // logged by the registry; retried when the folder changes again
      }
    }
    for (String folder : seen.keySet()) {
      if (!now.containsKey(folder)) {
        ServedModel served = servedFrom(dir.resolve(folder));
        if (served != null) {
          try {
            registry.unload(served.name());
            done.put(folder, "unload");
          } catch (ModelRegistry.OperationException ex) {
            done.put(folder, "unload-refused");
          }
        }
      }
    }
    seen.clear();
    seen.putAll(now);
    if (!done.isEmpty()) {
      LOG.info("event=models-polled dir={} changes={}", dir, done);
    }
    return done;
  }

  private ServedModel servedFrom(Path folder) {
    for (ServedModel m : registry.all()) {
      Path d = m.spec().dir();
      if (d != null && d.toAbsolutePath().normalize().equals(folder)) {
        return m;
      }
    }
    return null;
  }

  /** @return fingerprint of every model folder of the directory, by folder name */
  private Map<String, String> scan() {
    Map<String, String> r = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return r;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if ((only == null || only.contains(name)) && Files.isRegularFile(p.resolve("model.json"))
            && ModelLoader.isDiffusionModel(p)) {
          r.put(name, fingerprint(p));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=models-poll-failed dir={} error={}", dir, e.toString());
    }
    return r;
  }

  private static String fingerprint(Path folder) throws IOException {
    StringBuilder sb = new StringBuilder();
    Map<String, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
      for (Path f : ds) {
        String n = f.getFileName().toString();
        if (!n.equals("gamma.json") && !n.endsWith(".tmp") && Files.isRegularFile(f)) {
          files.put(n, f);
        }
      }
    }
    for (Map.Entry<String, Path> f : files.entrySet()) {
      BasicFileAttributes a = Files.readAttributes(f.getValue(), BasicFileAttributes.class);
      sb.append(f.getKey()).append(':').append(a.size()).append(':').append(a.lastModifiedTime().toMillis()).append(';');
    }
    return sb.toString();
  }
}
