package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A result file format: the job's {@code outputs} and the {@code format} of {@code GET /v1/jobs/{id}/result}. */
public enum OutputFormat implements WireEnum {
  /** All samples as one float32 {@code .npy}. */
  NPY("npy"),
  /** A PNG grid (image models) or scatter plot (2-D models), or one sample's PNG. */
  PNG("png"),
  /** The Γ file of a calibration job. */
  JSON("json"),
  /** A value this SDK version does not know (sent by a newer server); never sent. */
  UNKNOWN("unknown");

  private final String wire;

  OutputFormat(String wire) {
    this.wire = wire;
  }

  @JsonValue
  @Override
  public String wire() {
    return wire;
  }

  /**
   * Decodes a wire name leniently (JSON).
   *
   * @param wire the wire name
   * @return the constant, {@link #UNKNOWN} for a name this SDK does not know
   */
  @JsonCreator
  public static OutputFormat fromWire(String wire) {
    return WireEnum.lenient(OutputFormat.class, wire, UNKNOWN);
  }

  /**
   * Parses a wire name strictly (user input).
   *
   * @param wire the wire name
   * @return the constant
   * @throws IllegalArgumentException for an unknown name
   */
  public static OutputFormat parse(String wire) {
    return WireEnum.parse(OutputFormat.class, wire);
  }

  /** @return the file name extension, with the dot */
  public String extension() {
    return "." + wire;
  }

  @Override
  public String toString() {
    return wire;
  }
}
