package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model of the server's repository ({@code Model} in {@code openapi.yaml}): a served one with its manifest,
 * samplers and Γ status, or one that failed to load ({@link #status()} {@link Status#FAILED}) with only its
 * {@link #error()} (the other properties are null then).
 *
 * @param name the model name
 * @param status served, or refused at load
 * @param error why it failed to load, or null
 * @param version the version served (the network file's SHA-256, or an oracle's manifest hash), or null
 * @param description what it is
 * @param kind TorchScript network or exact Gaussian-mixture oracle
 * @param sampleShape the shape of one sample, e.g. [2] or [1, 28, 28]
 * @param dataRange [low, high], or null for unbounded data
 * @param eightBit whether the data are 8-bit images
 * @param prediction what the network predicts
 * @param timeInput how the network reads time
 * @param heads the second heads the network carries ({@code eps2} for the sn-* samplers, {@code epsc} for the npr-*
 *     ones); empty for none
 * @param schedule the noise schedule
 * @param samplers the samplers and whether each is available
 * @param gamma whether Γ is present, and its provenance
 * @param device where the model runs, e.g. cpu, gpu(0)
 * @param batchQuantum evaluations are padded to a multiple of this many rows (1 = none)
 * @param batchIndependent whether samples are bit-identical whatever jobs share their batches
 * @param sha256 SHA-256 of the model file, or null
 * @param ready whether it is loaded and warmed up
 * @param conditioning the class labels of a class-conditional model, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Model(
    String name,
    Status status,
    String error,
    String version,
    String description,
    Kind kind,
    List<Integer> sampleShape,
    List<Double> dataRange,
    Boolean eightBit,
    Prediction prediction,
    TimeInput timeInput,
    List<String> heads,
    Schedule schedule,
    List<SamplerAvailability> samplers,
    Gamma gamma,
    String device,
    Integer batchQuantum,
    Boolean batchIndependent,
    String sha256,
    Boolean ready,
    Conditioning conditioning) {

  /** Copies the lists. */
  public Model {
    sampleShape = sampleShape == null ? List.of() : List.copyOf(sampleShape);
    dataRange = dataRange == null ? null : List.copyOf(dataRange);
    samplers = samplers == null ? List.of() : List.copyOf(samplers);
    heads = heads == null ? List.of() : List.copyOf(heads);
  }

  /**
   * @param sampler a sampler
   * @return its availability on this model, empty when the model does not list it
   */
  public Optional<SamplerAvailability> sampler(SamplerName sampler) {
    return samplers.stream().filter(s -> s.name() == sampler).findFirst();
  }

  /**
   * The noise schedule.
   *
   * @param type the schedule type, e.g. linear, cosine
   * @param steps N, the number of diffusion steps
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Schedule(String type, int steps) {}

  /**
   * The class labels of a class-conditional model.
   *
   * @param classes class names; a class's index is its label
   * @param nullLabel the label of the unconditional prediction
   * @param guidedGamma the guided Γ grid, or null
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Conditioning(List<String> classes, Integer nullLabel, GuidedGamma guidedGamma) {
    /** Copies the list. */
    public Conditioning {
      classes = classes == null ? List.of() : List.copyOf(classes);
    }
  }

  /**
   * The guided Γ grid of a conditional model.
   *
   * @param guidance the grid of w
   * @param pooled one Γ for every label
   * @param data the provenance's data description
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record GuidedGamma(List<Double> guidance, Boolean pooled, String data) {
    /** Copies the list. */
    public GuidedGamma {
      guidance = guidance == null ? List.of() : List.copyOf(guidance);
    }
  }

  /**
   * Whether the model's Γ moments are present.
   *
   * @param present whether Γ is present (the analytic samplers need it)
   * @param provenance how Γ was made (model hash, data, M, seed), as stored in the Γ file, or null
   * @param file the Γ file on the server (the model's gamma.json, or one under the server's data
   *     folder), or null
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Gamma(boolean present, Map<String, Object> provenance, String file) {
    /** Copies the map. */
    public Gamma {
      provenance = provenance == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    }
  }

  /** @return whether the model is served (false for one that failed to load) */
  @JsonIgnore
  public boolean isLoaded() {
    return status == Status.LOADED;
  }

  /** Whether the model is served. */
  public enum Status implements WireEnum {
    /** Loaded and served. */
    LOADED("loaded"),
    /** Refused at load; {@link Model#error()} says why. */
    FAILED("failed"),
    /** A value this SDK version does not know. */
    UNKNOWN("unknown");

    private final String wire;

    Status(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Status fromWire(String wire) {
      return WireEnum.lenient(Status.class, wire, UNKNOWN);
    }

    @Override
    public String toString() {
      return wire;
    }
  }

  /** The model implementation. */
  public enum Kind implements WireEnum {
    /** A TorchScript network run by DJL. */
    TORCHSCRIPT("torchscript"),
    /** An exact Gaussian-mixture oracle (closed-form score). */
    GAUSSIAN_MIXTURE("gaussian-mixture"),
    /** A value this SDK version does not know. */
    UNKNOWN("unknown");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Kind fromWire(String wire) {
      return WireEnum.lenient(Kind.class, wire, UNKNOWN);
    }

    @Override
    public String toString() {
      return wire;
    }
  }

  /** What the network predicts. */
  public enum Prediction implements WireEnum {
    /** The noise ε. */
    EPS("eps"),
    /** The clean data x₀. */
    X0("x0"),
    /** The velocity v. */
    V("v"),
    /** A value this SDK version does not know. */
    UNKNOWN("unknown");

    private final String wire;

    Prediction(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Prediction fromWire(String wire) {
      return WireEnum.lenient(Prediction.class, wire, UNKNOWN);
    }

    @Override
    public String toString() {
      return wire;
    }
  }

  /** How the network reads time. */
  public enum TimeInput implements WireEnum {
    /** The step index minus one, n − 1. */
    INDEX_MINUS_ONE("index-minus-one"),
    /** The step index n. */
    INDEX("index"),
    /** 1000·n/N. */
    SCALED_1000("scaled-1000"),
    /** Continuous t = n/N. */
    CONTINUOUS("continuous"),
    /** A value this SDK version does not know. */
    UNKNOWN("unknown");

    private final String wire;

    TimeInput(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static TimeInput fromWire(String wire) {
      return WireEnum.lenient(TimeInput.class, wire, UNKNOWN);
    }

    @Override
    public String toString() {
      return wire;
    }
  }
}
