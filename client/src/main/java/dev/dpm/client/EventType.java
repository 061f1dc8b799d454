package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The type of a {@link JobEvent}. */
public enum EventType implements WireEnum {
  /** The job is queued (carries {@code position}). */
  QUEUED("queued"),
  /** The job started running. */
  STARTED("started"),
  /** Progress (step, total, nfe, fraction, etaSeconds). */
  PROGRESS("progress"),
  /** A preview PNG of x̂₀ (step, png). */
  PREVIEW("preview"),
  /** The job succeeded (terminal; carries the job). */
  SUCCEEDED("succeeded"),
  /** The job failed (terminal; carries the job and the error). */
  FAILED("failed"),
  /** The job was canceled (terminal; carries the job). */
  CANCELED("canceled"),
  /** A value this SDK version does not know (sent by a newer server); never sent. */
  UNKNOWN("unknown");

  private final String wire;

  EventType(String wire) {
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
  public static EventType fromWire(String wire) {
    return WireEnum.lenient(EventType.class, wire, UNKNOWN);
  }

  /**
   * Parses a wire name strictly (user input).
   *
   * @param wire the wire name
   * @return the constant
   * @throws IllegalArgumentException for an unknown name
   */
  public static EventType parse(String wire) {
    return WireEnum.parse(EventType.class, wire);
  }

  /** @return true for the terminal types {@code succeeded}, {@code failed}, {@code canceled} */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELED;
  }

  @Override
  public String toString() {
    return wire;
  }
}
