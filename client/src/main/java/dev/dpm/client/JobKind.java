package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a job computes. */
public enum JobKind implements WireEnum {
  /** Draws samples with a sampler. */
  SAMPLE("sample"),
  /** Estimates the model's Γ moments. */
  CALIBRATION("calibration"),
  /** A value this SDK version does not know (sent by a newer server); never sent. */
  UNKNOWN("unknown");

  private final String wire;

  JobKind(String wire) {
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
  public static JobKind fromWire(String wire) {
    return WireEnum.lenient(JobKind.class, wire, UNKNOWN);
  }

  /**
   * Parses a wire name strictly (user input).
   *
   * @param wire the wire name
   * @return the constant
   * @throws IllegalArgumentException for an unknown name
   */
  public static JobKind parse(String wire) {
    return WireEnum.parse(JobKind.class, wire);
  }

  @Override
  public String toString() {
    return wire;
  }
}
