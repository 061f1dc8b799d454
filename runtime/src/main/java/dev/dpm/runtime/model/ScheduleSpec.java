package dev.dpm.runtime.model;

import dev.dpm.core.schedule.NoiseSchedule;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How a manifest names its schedule. JSON forms:
 * {@code {"type":"linear","steps":1000}}, {@code {"type":"cosine","steps":1000}},
 * {@code {"type":"scaled-linear","steps":1000,"betaStart":0.00085,"betaEnd":0.012}},
 * {@code {"type":"explicit","betas":[...]}}, {@code {"type":"diffusers","config":"scheduler_config.json"}}.
 *
 * @param kind the schedule family
 * @param steps N (ignored for explicit)
 * @param betaStart first β (scaled-linear)
 * @param betaEnd last β (scaled-linear)
 * @param betas explicit β₁..β_N (explicit), else null
 * @param config path of a diffusers {@code scheduler_config.json}, relative to the model folder
 */
public record ScheduleSpec(
    Kind kind, int steps, double betaStart, double betaEnd, double[] betas, String config) {

  /** Schedule families. */
  public enum Kind {
    /** DDPM linear, scaled by 1000/N. */
    LINEAR,
    /** Improved-DDPM cosine. */
    COSINE,
    /** Stable Diffusion scaled-linear. */
    SCALED_LINEAR,
    /** An explicit β array. */
    EXPLICIT,
    /** A diffusers scheduler_config.json. */
    DIFFUSERS
  }

  /**
   * @param steps N
   * @return the linear schedule spec
   */
  public static ScheduleSpec linear(int steps) {
    return new ScheduleSpec(Kind.LINEAR, steps, 0, 0, null, null);
  }

  /**
   * Parses the manifest's {@code schedule} object.
   *
   * @param node the JSON object
   * @return the spec
   */
  public static ScheduleSpec parse(JsonNode node) {
    String type = node.path("type").asText("");
    int steps = node.path("steps").asInt(1000);
    return switch (type) {
      case "linear" -> new ScheduleSpec(Kind.LINEAR, steps, 0, 0, null, null);
      case "cosine", "squaredcos_cap_v2" -> new ScheduleSpec(Kind.COSINE, steps, 0, 0, null, null);
      case "scaled-linear", "scaled_linear" -> new ScheduleSpec(Kind.SCALED_LINEAR, steps,
          node.path("betaStart").asDouble(0.00085), node.path("betaEnd").asDouble(0.012), null, null);
      case "explicit" -> {
        JsonNode arr = node.path("betas");
        double[] b = new double[arr.size()];
        for (int i = 0; i < b.length; i++) {
          b[i] = arr.get(i).asDouble();
        }
        yield new ScheduleSpec(Kind.EXPLICIT, b.length, 0, 0, b, null);
      }
      case "diffusers" -> new ScheduleSpec(Kind.DIFFUSERS, 0, 0, 0, null, node.path("config").asText());
      default -> throw new IllegalArgumentException(
          "unknown schedule type '" + type + "' (linear, cosine, scaled-linear, explicit, diffusers)");
    };
  }

  /**
   * Builds the schedule.
   *
   * @param modelDir folder that relative paths are resolved against
   * @return the schedule
   * @throws IOException if a diffusers config cannot be read
   */
  public NoiseSchedule build(Path modelDir) throws IOException {
    return switch (kind) {
      case LINEAR -> NoiseSchedule.linear(steps);
      case COSINE -> NoiseSchedule.cosine(steps);
      case SCALED_LINEAR -> NoiseSchedule.scaledLinear(steps, betaStart, betaEnd);
      case EXPLICIT -> NoiseSchedule.ofBetas(betas);
      case DIFFUSERS -> DiffusersConfig.read(modelDir.resolve(config)).schedule();
    };
  }

  /**
   * The schedule of a diffusers {@code scheduler_config.json} ({@link DiffusersConfig}: β family,
   * {@code trained_betas}, {@code num_train_timesteps}, {@code rescale_betas_zero_snr}; unsupported
   * values are refused). Note diffusers' "linear" is {@code linspace(beta_start, beta_end, N)}
   * without the 1000/N scaling.
   *
   * @param cfg the parsed JSON
   * @return the schedule
   * @throws IllegalArgumentException naming an unsupported field
   */
  public static NoiseSchedule fromDiffusersConfig(JsonNode cfg) {
    return DiffusersConfig.parse(cfg).schedule();
  }
}
