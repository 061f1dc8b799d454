package dev.dpm.server.jobs;

import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.trajectory.TrajectoryKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/** The {@code sampler} object of the API ↔ {@link SamplerSettings} (keys named as the CLI flags). */
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
      try {
        switch (k) {
          case "steps" -> b.optSteps(intValue(v));
          case "trajectory" -> b.optTrajectory(SamplerSettings.parseWire(TrajectoryKind.class, (String) v));
          case "timesteps" -> {
            JsonArray a = (JsonArray) v;
            int[] ts = new int[a.size()];
            for (int i = 0; i < ts.length; i++) {
              ts[i] = intValue(a.getValue(i));
            }
            b.optTimesteps(ts);
          }
          case "eta" -> b.optEta(((Number) v).doubleValue());
          case "variance" -> b.optVariance(SamplerSettings.parseWire(SamplerSettings.VarianceKind.class, (String) v));
          case "clip-sigma2" -> b.optClipSigma2(intValue(v));
          case "snr" -> b.optSnr(((Number) v).doubleValue());
          case "corrector-steps" -> b.optCorrectorSteps(intValue(v));
          case "predictor" -> b.optPredictor(SamplerSettings.parseWire(SamplerSettings.PredictorKind.class, (String) v));
          case "rtol" -> b.optRtol(((Number) v).doubleValue());
          case "atol" -> b.optAtol(((Number) v).doubleValue());
          case "eps" -> b.optEps(((Number) v).doubleValue());
          case "grid" -> b.optGrid(SamplerSettings.parseWire(SamplerSettings.GridKind.class, (String) v));
          case "denoise" -> b.optDenoise((Boolean) v);
          case "sigmas" -> b.optSigmas(SamplerSettings.parseWire(SamplerSettings.SigmasKind.class, (String) v));
          case "s-churn" -> b.optSChurn(((Number) v).doubleValue());
          case "s-tmin" -> b.optSTmin(((Number) v).doubleValue());
          case "s-tmax" -> b.optSTmax(((Number) v).doubleValue());
          case "s-noise" -> b.optSNoise(((Number) v).doubleValue());
          case "order" -> b.optOrder(intValue(v));
          case "guidance" -> b.optGuidance(((Number) v).doubleValue());
          default -> problems.add(new Problem("sampler." + k, "unknown sampler parameter"));
        }
      } catch (ClassCastException | IllegalArgumentException ex) {
        problems.add(new Problem("sampler." + k, ex instanceof ClassCastException
            ? "wrong type" : ex.getMessage()));
      }
    }
    return b.build();
  }

  private static int intValue(Object v) {
    Number n = (Number) v;
    if (n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("must be an integer");
    }
    return n.intValue();
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
