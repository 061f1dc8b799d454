package dev.dpm.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code gamma-guided.json} beside a conditional model: Γ of the guided predictor on a grid of w,
 * pooled over labels or per label, with the provenance of {@code gamma.json} ({@link GammaJson}):
 *
 * <pre>{@code
 * {"kind":"guided-gamma","pooled":true,"guidance":[0.0,1.0,2.0,3.0],
 *  "gamma":[[...N+1...], ...one per w...],                  // pooled
 *  "perLabel":[[[...N+1...], ...one per w...], ...],        // or one grid per label
 *  "provenance":{"modelSha256":"…","data":"pooled over 10 labels: …","samples":1000,...}}
 * }</pre>
 */
public final class GuidedGammaJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private GuidedGammaJson() {}

  /**
   * @param g the grid
   * @return its JSON
   */
  public static ObjectNode toJson(GuidedGamma g) {
    ObjectNode root = JSON.createObjectNode();
    root.put("kind", "guided-gamma");
    root.put("pooled", g.pooled());
    ArrayNode w = root.putArray("guidance");
    for (double v : g.scales()) {
      w.add(v);
    }
    ArrayNode slots = g.pooled() ? null : root.putArray("perLabel");
    for (int c = 0; c < g.slots(); c++) {
      ArrayNode grid = g.pooled() ? root.putArray("gamma") : slots.addArray();
      for (int i = 0; i < g.scales().length; i++) {
        ArrayNode a = grid.addArray();
        for (double v : g.at(c, i)) {
          a.add(v);
        }
      }
    }
    if (g.provenance() != null) {
      double[] first = g.at(0, 0);
      root.set("provenance", GammaJson.toJson(new Gamma(first, new double[first.length], g.provenance()))
          .get("provenance"));
    }
    return root;
  }

  /**
   * Writes atomically.
   *
   * @param g the grid
   * @param file destination
   * @throws IOException on write errors
   */
  public static void write(GuidedGamma g, Path file) throws IOException {
    GammaJson.writeAtomically(file, JSON.writeValueAsString(toJson(g)) + "\n");
  }

  /**
   * Reads a grid and checks it was made for this schedule.
   *
   * @param file the file
   * @param sched the model's schedule
   * @return the grid
   * @throws IOException if unreadable, invalid, or made for another schedule
   */
  public static GuidedGamma read(Path file, NoiseSchedule sched) throws IOException {
    GuidedGamma g;
    try {
      g = parse(JSON.readTree(Files.readString(file)));
    } catch (RuntimeException e) {
      throw new IOException(file + ": invalid guided Γ file: " + e.getMessage(), e);
    }
    try {
      double[] first = g.at(0, 0);
      new Gamma(first, new double[first.length], g.provenance()).checkSchedule(sched);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    return g;
  }

  /**
   * @param root the JSON
   * @return the grid
   */
  public static GuidedGamma parse(JsonNode root) {
    if (root == null || !"guided-gamma".equals(root.path("kind").asText())) {
      throw new IllegalArgumentException("expected an object with kind guided-gamma");
    }
    boolean pooled = root.path("pooled").asBoolean(true);
    double[] w = numbers(root.get("guidance"), "guidance");
    double[][][] values;
    if (pooled) {
      values = new double[][][] {grid(root.get("gamma"), "gamma")};
    } else {
      JsonNode per = root.get("perLabel");
      if (per == null || !per.isArray() || per.isEmpty()) {
        throw new IllegalArgumentException("missing array 'perLabel'");
      }
      values = new double[per.size()][][];
      for (int c = 0; c < values.length; c++) {
        values[c] = grid(per.get(c), "perLabel[" + c + "]");
      }
    }
    JsonNode p = root.get("provenance");
    dev.dpm.core.moments.Provenance prov = null;
    if (p != null && p.isObject()) {
      ObjectNode g = JSON.createObjectNode();
      ArrayNode a = g.putArray("gamma");
      for (double v : values[0][0]) {
        a.add(v);
      }
      g.set("provenance", p);
      prov = GammaJson.parse(g).provenance();
    }
    return new GuidedGamma(w, pooled, values, prov);
  }

  private static double[][] grid(JsonNode n, String field) {
    if (n == null || !n.isArray()) {
      throw new IllegalArgumentException("missing array '" + field + "'");
    }
    double[][] r = new double[n.size()][];
    for (int i = 0; i < r.length; i++) {
      r[i] = numbers(n.get(i), field + "[" + i + "]");
    }
    return r;
  }

  private static double[] numbers(JsonNode arr, String field) {
    if (arr == null || !arr.isArray()) {
      throw new IllegalArgumentException("missing array '" + field + "'");
    }
    double[] r = new double[arr.size()];
    for (int i = 0; i < r.length; i++) {
      if (!arr.get(i).isNumber()) {
        throw new IllegalArgumentException(field + "[" + i + "] is not a number");
      }
      r[i] = arr.get(i).asDouble();
    }
    return r;
  }
}
