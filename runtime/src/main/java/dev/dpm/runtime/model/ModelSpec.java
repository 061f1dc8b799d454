package dev.dpm.runtime.model;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.model.PredictionType;
import dev.dpm.core.model.TimeInput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A model's manifest, {@code models/<name>/model.json}. Example:
 *
 * <pre>{@code
 * {"name":"gmm-ring-2d","kind":"gaussian-mixture","sampleShape":[2],"dataRange":null,
 *  "eightBit":false,"prediction":"eps","timeInput":"index","schedule":{"type":"linear","steps":1000},
 *  "mixture":{"weights":[...],"means":[[...],...],"stds":[...]},"gamma":"gamma.json",
 *  "licence":"...","provenance":{...}}
 * }</pre>
 *
 * @param name model name (folder name)
 * @param description one line for people
 * @param kind TorchScript or oracle
 * @param file TorchScript file relative to the folder (null for oracles)
 * @param sha256 hex SHA-256 of {@code file} (null for oracles)
 * @param sampleShape shape of one sample, e.g. [1, 28, 28] or [2]
 * @param dataRange range of the data; {@link DataRange#UNBOUNDED} when the manifest says null
 * @param eightBit whether the data are 8-bit images scaled to the range (enables the σ₂ clip default
 *     and the discretised decoder)
 * @param prediction what the network outputs
 * @param timeInput how the network reads time
 * @param timeDType the dtype of the network's time tensor ({@code timeDType}, default float32)
 * @param trajectory the default trajectory of the discrete samplers ({@code trajectory}, or a diffusers
 *     config's {@code timestep_spacing}); null for even
 * @param stepsOffset diffusers' {@code steps_offset} for the leading trajectory ({@code stepsOffset})
 * @param schedule the noise schedule
 * @param diffusers the diffusers scheduler config the schedule names, or null
 * @param mixture the oracle's mixture (null for networks)
 * @param gammaFile Γ file relative to the folder, or null
 * @param conditioning the class labels the network takes, or null for an unconditional model
 * @param raw the whole manifest, for echoing licence and provenance
 * @param dir the model folder
 */
public record ModelSpec(
    String name,
    String description,
    ModelKind kind,
    String file,
    String sha256,
    int[] sampleShape,
    DataRange dataRange,
    boolean eightBit,
    PredictionType prediction,
    TimeInput timeInput,
    TimeDType timeDType,
    TrajectoryKind trajectory,
    int stepsOffset,
    ScheduleSpec schedule,
    DiffusersConfig diffusers,
    MixtureSpec mixture,
    String gammaFile,
    Conditioning conditioning,
    JsonNode raw,
    Path dir) {

  /** @return d, the product of the sample shape */
  public int dimension() {
    return Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
  }

  /** @return true for image models (sample shape [C, H, W] with 8-bit data) */
  public boolean isImage() {
    return sampleShape.length == 3 && eightBit;
  }

  /** @return the guided Γ grid's path ({@code gamma-guided.json} in the folder) */
  public Path guidedGammaPath() {
    return dir.resolve("gamma-guided.json");
  }

  /**
   * @return what the network returns ({@code outputs}: the prediction, then any second heads), read
   *     from the manifest (validated when it was parsed)
   */
  public NetworkOutputs outputs() {
    return NetworkOutputs.parse(raw, prediction, kind == ModelKind.GAUSSIAN_MIXTURE);
  }

  /**
   * @return the second heads the model carries: the {@code outputs} after the prediction for a
   *     network (a class-conditional one serves them per label), both (eps2 and epsc, in closed form) for an
   *     unconditional oracle; none for a class-conditional oracle (its labelled predictor evaluates ε only)
   */
  public java.util.Set<dev.dpm.core.model.SecondHead> heads() {
    if (conditioning != null && kind == ModelKind.GAUSSIAN_MIXTURE) {
      return java.util.Set.of();
    }
    return kind == ModelKind.GAUSSIAN_MIXTURE
        ? java.util.EnumSet.allOf(dev.dpm.core.model.SecondHead.class) : outputs().heads();
  }

  /** @return the default Γ file path ({@code gamma.json} in the folder) when none is named */
  public Path gammaPath() {
    return dir.resolve(gammaFile == null ? "gamma.json" : gammaFile);
  }

  /**
   * Reads {@code model.json} from a model folder.
   *
   * @param dir the folder
   * @return the manifest
   * @throws IOException if the file cannot be read or is invalid (the message names the field)
   */
  public static ModelSpec read(Path dir) throws IOException {
    Path f = dir.resolve("model.json");
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(Files.readString(f));
    } catch (IOException e) {
      throw new IOException("cannot read " + f + ": " + e.getMessage(), e);
    }
    try {
      return parse(n, dir);
    } catch (RuntimeException e) {
      throw new IOException("invalid manifest " + f + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses a manifest.
   *
   * @param n JSON root
   * @param dir model folder
   * @return the manifest
   */
  public static ModelSpec parse(JsonNode n, Path dir) {
    String name = req(n, "name").asText();
    ModelKind kind = switch (req(n, "kind").asText()) {
      case "torchscript" -> ModelKind.TORCHSCRIPT;
      case "gaussian-mixture" -> ModelKind.GAUSSIAN_MIXTURE;
      default -> throw new IllegalArgumentException("kind must be torchscript or gaussian-mixture");
    };
    JsonNode shapeNode = req(n, "sampleShape");
    int[] shape = new int[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asInt();
      if (shape[i] <= 0) {
        throw new IllegalArgumentException("sampleShape entries must be positive");
      }
    }
    JsonNode dr = n.path("dataRange");
    DataRange range = dr.isArray() ? new DataRange(dr.get(0).asDouble(), dr.get(1).asDouble())
        : DataRange.UNBOUNDED;
    MixtureSpec mixture = null;
    if (kind == ModelKind.GAUSSIAN_MIXTURE) {
      JsonNode m = req(n, "mixture");
      JsonNode w = req(m, "weights");
      JsonNode mu = req(m, "means");
      JsonNode sd = req(m, "stds");
      double[] weights = new double[w.size()];
      double[][] means = new double[mu.size()][];
      double[] stds = new double[sd.size()];
      for (int k = 0; k < weights.length; k++) {
        weights[k] = w.get(k).asDouble();
      }
      for (int k = 0; k < means.length; k++) {
        means[k] = new double[mu.get(k).size()];
        for (int j = 0; j < means[k].length; j++) {
          means[k][j] = mu.get(k).get(j).asDouble();
        }
      }
      for (int k = 0; k < stds.length; k++) {
        stds[k] = sd.get(k).asDouble();
      }
      mixture = new MixtureSpec(weights, means, stds);
    }
    ScheduleSpec schedule = ScheduleSpec.parse(req(n, "schedule"));
    DiffusersConfig cfg = null;
    if (schedule.kind() == ScheduleSpec.Kind.DIFFUSERS) {
      try {
        cfg = DiffusersConfig.read(dir.resolve(schedule.config()));
      } catch (IOException e) {
        throw new IllegalArgumentException("schedule.config: " + e.getMessage(), e);
      }
    }
    PredictionType prediction = n.hasNonNull("prediction")
        ? PredictionType.parse(n.get("prediction").asText()) : null;
    TrajectoryKind trajectory = n.hasNonNull("trajectory")
        ? SamplerSettings.parseWire(TrajectoryKind.class, n.get("trajectory").asText()) : null;
    Integer offset = n.hasNonNull("stepsOffset") ? n.get("stepsOffset").asInt() : null;
    if (cfg != null) {
      String f = schedule.config();
      if (prediction != null && prediction != cfg.prediction()) {
        agree("prediction", prediction.wire(), f, "prediction_type",
            cfg.prediction().wire() + " (" + diffusersName(cfg.prediction()) + ")");
      }
      prediction = cfg.prediction();
      if (n.has("dataRange")) {
        agree("dataRange", rangeText(range), f, "clip_sample/clip_sample_range", rangeText(cfg.dataRange()));
      }
      range = cfg.dataRange();
      agree("trajectory", trajectory == null ? null : SamplerSettings.wireName(trajectory), f,
          "timestep_spacing", SamplerSettings.wireName(cfg.spacing()));
      trajectory = cfg.spacing();
      agree("stepsOffset", offset == null ? null : offset.toString(), f, "steps_offset",
          Integer.toString(cfg.stepsOffset()));
      offset = cfg.stepsOffset();
      JsonNode steps = req(n, "schedule").get("steps");
      agree("schedule.steps", steps == null ? null : steps.asText(), f, "num_train_timesteps",
          Integer.toString(cfg.steps()));
    }
    Conditioning conditioning = n.hasNonNull("conditioning") ? Conditioning.parse(n.get("conditioning")) : null;
    if (conditioning != null && mixture != null && (conditioning.classes().size() != mixture.weights().length
        || conditioning.nullLabel() != mixture.weights().length)) {
      throw new IllegalArgumentException("conditioning of a gaussian-mixture oracle names one class per component ("
          + mixture.weights().length + ") and nullLabel " + mixture.weights().length);
    }
    if (offset != null && offset < 0) {
      throw new IllegalArgumentException("stepsOffset must be >= 0, got " + offset);
    }
    NetworkOutputs.parse(n, prediction == null ? PredictionType.EPS : prediction,
        kind == ModelKind.GAUSSIAN_MIXTURE); // refuses a bad outputs list now
    return new ModelSpec(
        name,
        n.path("description").asText(""),
        kind,
        n.hasNonNull("file") ? n.get("file").asText() : null,
        n.hasNonNull("sha256") ? n.get("sha256").asText() : null,
        shape,
        range,
        n.path("eightBit").asBoolean(false),
        prediction == null ? PredictionType.EPS : prediction,
        TimeInput.parse(n.path("timeInput").asText("index-minus-one")),
        TimeDType.parse(n.path("timeDType").asText("float32")),
        trajectory,
        offset == null ? 0 : offset,
        schedule,
        cfg,
        mixture,
        n.hasNonNull("gamma") ? n.get("gamma").asText() : null,
        conditioning,
        n,
        dir);
  }

  /**
   * Refuses a manifest field that disagrees with its diffusers config, naming both values.
   *
   * @return the manifest's value (null when the manifest does not set the field)
   */
  private static String agree(String field, String mine, String file, String cfgField, String theirs) {
    if (mine != null && !mine.equals(theirs)) {
      throw new IllegalArgumentException("model.json " + field + " is " + mine + " but " + file + " "
          + cfgField + " gives " + theirs + "; remove the field from model.json or make them agree");
    }
    return mine;
  }

  private static String diffusersName(PredictionType p) {
    return switch (p) {
      case EPS -> "epsilon";
      case X0 -> "sample";
      case V -> "v_prediction";
    };
  }

  private static String rangeText(DataRange r) {
    return r.bounded() ? "[" + r.low() + ", " + r.high() + "]" : "null (unbounded)";
  }

  private static JsonNode req(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing field '" + field + "'");
    }
    return v;
  }
}
