package dev.dpm.bench.quality;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The benchmark's results, one {@link Cell} per key ({@code nll/even/analytic-ddpm/10},
 * {@code sample/ddim/25}, {@code sample/floor}, …), saved as JSON after every cell so that an
 * interrupted run resumes where it stopped. A saved file is reused only when its fingerprint (model,
 * hash, seed, counts) equals the current one.
 */
public final class QualityResults {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Path file;
  private final Map<String, String> fingerprint;
  private final Map<String, Cell> cells = new LinkedHashMap<>();

  /**
   * One result.
   *
   * @param value the mean (bits/dim, nats/dim, FD or MMD²)
   * @param stdError its standard error
   * @param n rows or samples it was taken over
   * @param seconds wall time
   * @param evaluations network rows evaluated for it (shared work counted once)
   * @param note a remark (e.g. "same trajectory as even") or null
   */
  public record Cell(double value, double stdError, int n, double seconds, long evaluations, String note) {}

  /**
   * @param file the JSON file
   * @param fingerprint what must match for saved cells to be reused
   */
  public QualityResults(Path file, Map<String, String> fingerprint) {
    this.file = file;
    this.fingerprint = new LinkedHashMap<>(fingerprint);
  }

  /**
   * Loads the saved cells when the file exists and its fingerprint matches.
   *
   * @return the number of cells loaded, or −1 when a file exists with another fingerprint (ignored)
   * @throws IOException if the file is unreadable
   */
  public int load() throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    JsonNode root = JSON.readTree(Files.readString(file));
    Map<String, String> saved = new LinkedHashMap<>();
    root.path("fingerprint").fields().forEachRemaining(e -> saved.put(e.getKey(), e.getValue().asText()));
    if (!saved.equals(fingerprint)) {
      return -1;
    }
    Iterator<Map.Entry<String, JsonNode>> it = root.path("cells").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode c = e.getValue();
      cells.put(e.getKey(), new Cell(num(c.get("value")), num(c.get("stdError")), c.path("n").asInt(),
          c.path("seconds").asDouble(), c.path("evaluations").asLong(),
          c.hasNonNull("note") ? c.get("note").asText() : null));
    }
    return cells.size();
  }

  /**
   * @param key the cell's key
   * @return the cell or null
   */
  public Cell get(String key) {
    return cells.get(key);
  }

  /**
   * @param key the cell's key
   * @return whether it is present
   */
  public boolean has(String key) {
    return cells.containsKey(key);
  }

  /**
   * Stores a cell and saves the file (atomically).
   *
   * @param key the key
   * @param cell the result
   * @throws IOException if the file cannot be written
   */
  public void put(String key, Cell cell) throws IOException {
    cells.put(Objects.requireNonNull(key), Objects.requireNonNull(cell));
    save();
  }

  /** @return the cells, in insertion order (read-only view) */
  public Map<String, Cell> cells() {
    return java.util.Collections.unmodifiableMap(cells);
  }

  /**
   * Writes the file.
   *
   * @throws IOException if it cannot be written
   */
  public void save() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode fp = root.putObject("fingerprint");
    fingerprint.forEach(fp::put);
    ObjectNode cs = root.putObject("cells");
    for (Map.Entry<String, Cell> e : cells.entrySet()) {
      Cell c = e.getValue();
      ObjectNode o = cs.putObject(e.getKey());
      put(o, "value", c.value());
      put(o, "stdError", c.stdError());
      o.put("n", c.n());
      o.put("seconds", c.seconds());
      o.put("evaluations", c.evaluations());
      if (c.note() != null) {
        o.put("note", c.note());
      }
    }
    Path abs = file.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(root));
    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void put(ObjectNode o, String name, double v) {
    if (Double.isFinite(v)) {
      o.put(name, v);
    } else {
      o.putNull(name);
    }
  }

  private static double num(JsonNode n) {
    return n == null || n.isNull() ? Double.NaN : n.asDouble();
  }
}
