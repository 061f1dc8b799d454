package dev.dpm.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.moments.Estimator;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Provenance;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The file form of {@link Gamma}, {@code gamma.json} beside a model:
 * <pre>{@code
 * {"gamma":[0.0, ...N+1...], "stdError":[0.0, ...],
 *  "provenance":{"modelSha256":"…","data":"…","samples":1000,"seed":0,"estimator":"monte-carlo",
 *                "created":"2025-01-01T00:00:00Z",
 *                "schedule":{"type":"linear","steps":1000,"beta1":1.0E-4,"betaN":0.02,"betasSha256":"…"}}}
 * }</pre>
 */
public final class GammaJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private GammaJson() {}

  /**
   * @param gamma Γ
   * @return the JSON form
   */
  public static ObjectNode toJson(Gamma gamma) {
    double[] values = gamma.values();
    double[] stdError = gamma.stdError();
    Provenance provenance = gamma.provenance();
    ObjectNode root = JSON.createObjectNode();
    ArrayNode g = root.putArray("gamma");
    for (double v : values) {
      g.add(v);
    }
    ArrayNode se = root.putArray("stdError");
    for (double v : stdError) {
      se.add(v);
    }
    if (provenance != null) {
      ObjectNode p = root.putObject("provenance");
      p.put("modelSha256", provenance.modelSha256());
      p.put("data", provenance.data());
      p.put("samples", provenance.samples());
      p.put("rowsPerStep", provenance.rowsPerStep());
      p.put("seed", provenance.seed());
      p.put("estimator", provenance.estimator().wireName());
      p.put("created", provenance.created() == null ? null : provenance.created().toString());
      ScheduleInfo s = provenance.schedule();
      if (s != null) {
        ObjectNode sn = p.putObject("schedule");
        sn.put("type", s.type());
        sn.put("steps", s.steps());
        sn.put("beta1", s.beta1());
        sn.put("betaN", s.betaN());
        sn.put("betasSha256", s.betasSha256());
      }
    }
    return root;
  }

  /**
   * Writes {@code gamma.json} atomically (temporary file, then move).
   *
   * @param gamma Γ
   * @param file destination
   * @throws IOException if it cannot be written
   */
  public static void write(Gamma gamma, Path file) throws IOException {
    writeAtomically(file, JSON.writeValueAsString(toJson(gamma)) + "\n");
  }

  /**
   * Writes a text file through a temporary file in its folder and a rename, so a reader sees the old or the new
   * file, never a part; created like an ordinary file (0666 less the umask), not createTempFile's 0600 (as
   * io.TempFiles does; not called from here: io depends on model).
   */
  static void writeAtomically(Path file, String text) throws IOException {
    Path abs = file.toAbsolutePath();
    Path tmp = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
        ? Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp",
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-")))
        : Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, text);
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads and validates a Γ file.
   *
   * @param file the file
   * @return Γ
   * @throws IOException naming the file and the problem (unreadable, not JSON, missing or invalid
   *     fields)
   */
  public static Gamma read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IOException(file + ": cannot read Γ file: " + e.getMessage(), e);
    }
    try {
      return parse(root);
    } catch (RuntimeException e) {
      throw new IOException(file + ": invalid Γ file: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a Γ file and checks it against the model's schedule.
   *
   * @param file the file
   * @param sched the schedule it must belong to (length N+1, same fingerprint if recorded)
   * @return Γ
   * @throws IOException naming the file and the problem
   */
  public static Gamma read(Path file, NoiseSchedule sched) throws IOException {
    Gamma g = read(file);
    try {
      g.checkSchedule(sched);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    return g;
  }

  /**
   * Parses the JSON form.
   *
   * @param root the JSON object
   * @return Γ
   * @throws IllegalArgumentException naming the invalid field
   */
  public static Gamma parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    double[] g = numbers(root.get("gamma"), "gamma");
    JsonNode seNode = root.get("stdError");
    double[] se = seNode == null || seNode.isNull() ? new double[g.length] : numbers(seNode, "stdError");
    JsonNode p = root.get("provenance");
    Provenance prov = null;
    if (p != null && p.isObject()) {
      ScheduleInfo sched = null;
      JsonNode s = p.get("schedule");
      if (s != null && s.isObject()) {
        sched = new ScheduleInfo(text(s, "type"), s.path("steps").asInt(g.length - 1),
            s.path("beta1").asDouble(Double.NaN), s.path("betaN").asDouble(Double.NaN), text(s, "betasSha256"));
      }
      Instant created = null;
      String c = text(p, "created");
      if (c != null) {
        try {
          created = Instant.parse(c);
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("provenance.created '" + c + "' is not an ISO-8601 instant");
        }
      }
      String est = text(p, "estimator");
      int samples = p.path("samples").asInt(0);
      prov = new Provenance(text(p, "modelSha256"), text(p, "data"), samples,
          p.path("seed").asLong(0), est == null ? Estimator.MONTE_CARLO : Estimator.parse(est), created, sched,
          p.path("rowsPerStep").asInt(samples));
    }
    return new Gamma(g, se, prov);
  }

  private static double[] numbers(JsonNode arr, String field) {
    if (arr == null || !arr.isArray()) {
      throw new IllegalArgumentException("missing array '" + field + "'");
    }
    double[] r = new double[arr.size()];
    for (int i = 0; i < r.length; i++) {
      JsonNode v = arr.get(i);
      if (!v.isNumber()) {
        throw new IllegalArgumentException(field + "[" + i + "] is not a number: " + v);
      }
      r[i] = v.asDouble();
    }
    return r;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
