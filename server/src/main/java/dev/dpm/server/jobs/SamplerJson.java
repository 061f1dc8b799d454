package dev.dpm.server.jobs;

import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerParam;
import dev.dpm.core.sampler.SamplerSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The {@code sampler} object of the API ↔ {@link SamplerSettings}: the keys, their types and values are those of
 * {@link SamplerParam} (named as the CLI flags).
 */
public final class SamplerJson {
  private SamplerJson() {}

  /**
   * Parses a sampler object. Unknown keys and wrong values become problems named
   * {@code sampler.<key>}.
   *
   * @param o the JSON object
   * @param problems where problems are added
   * @return the settings, or null if the name is unusable
   */
  public static SamplerSettings parse(JsonObject o, List<Problem> problems) {
    SamplerKind kind;
    try {
      kind = SamplerKind.parse(o.getString("name"));
    } catch (RuntimeException e) {
      problems.add(new Problem("sampler.name", "unknown sampler '" + o.getValue("name") + "' (one of "
          + SamplerKind.names() + ")"));
      return null;
    }
    SamplerSettings.Builder b = SamplerSettings.builder(kind);
    for (Map.Entry<String, Object> e : o) {
      String k = e.getKey();
      Object v = e.getValue();
      if (v == null || k.equals("name")) {
        continue;
      }
      SamplerParam p = SamplerParam.byWire(k);
      if (p == null) {
        problems.add(new Problem("sampler." + k, "unknown sampler parameter"));
        continue;
      }
      try {
        p.set(b, p.decode(v instanceof JsonArray a ? a.getList() : v));
      } catch (ClassCastException | IllegalArgumentException ex) {
        problems.add(new Problem("sampler." + k, ex instanceof ClassCastException
            ? "wrong type" : ex.getMessage()));
      }
    }
    return b.build();
  }

  /**
   * The settings as the API's sampler object (every filled field).
   *
   * @param s settings
   * @return JSON
   */
  public static JsonObject toJson(SamplerSettings s) {
    JsonObject o = new JsonObject();
    for (Map.Entry<String, Object> e : s.toMap().entrySet()) {
      Object v = e.getValue();
      if (v instanceof int[] arr) {
        JsonArray a = new JsonArray();
        for (int x : arr) {
          a.add(x);
        }
        v = a;
      }
      o.put(e.getKey(), v);
    }
    return o;
  }
}
