package dev.dpm.server.results;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Result files of finished jobs, one folder per job under {@code <dataDir>/results}. A job's files
 * are written into {@code <id>.tmp} and the folder is then renamed to {@code <id>} in one atomic
 * move, so a folder that exists is complete. Leftover {@code .tmp} folders (a crash while writing)
 * are removed at start; the job re-runs and writes them again.
 *
 * <p>Cluster mode extends it to keep the files in the shared database as well ({@code server.store.pg}).
 */
public class ResultStore {
  /** File name of all samples. */
  public static final String NPY = "samples.npy";
  /** File name of the grid / scatter plot. */
  public static final String GRID = "grid.png";
  /** File name of a calibration's Γ. */
  public static final String GAMMA = "gamma.json";

  private final Path root;

  /**
   * @param root the results folder
   * @throws IOException if it cannot be created or cleaned
   */
  public ResultStore(Path root) throws IOException {
    this.root = root;
    Files.createDirectories(root);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "*.tmp")) {
      for (Path p : ds) {
        deleteTree(p);
      }
    }
  }

  /**
   * Writes a job's files atomically.
   *
   * @param id job id
   * @param files file name (may contain one folder level, e.g. {@code samples/3.png}) to bytes
   * @throws IOException on failure
   */
  public void write(String id, Map<String, byte[]> files) throws IOException {
    Path tmp = root.resolve(id + ".tmp");
    deleteTree(tmp);
    Files.createDirectories(tmp);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Path p = tmp.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, f.getValue());
    }
    Path dst = root.resolve(id);
    deleteTree(dst);
    Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * @param id job id
   * @param format npy, png or json
   * @param index sample index for a per-sample PNG, or null
   * @return the file (it may not exist)
   */
  public Path file(String id, String format, Integer index) {
    Path dir = root.resolve(id);
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "npy" -> dir.resolve(NPY);
      case "json" -> dir.resolve(GAMMA);
      default -> index == null ? dir.resolve(GRID) : dir.resolve(samplePng(index));
    };
  }

  /**
   * @param index sample index
   * @return relative file name of its PNG
   */
  public static String samplePng(int index) {
    return "samples/" + index + ".png";
  }

  /**
   * Deletes a job's results.
   *
   * @param id job id
   * @throws IOException on failure
   */
  public void delete(String id) throws IOException {
    deleteTree(root.resolve(id));
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
