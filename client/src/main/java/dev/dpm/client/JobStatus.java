package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where a job is in its life: {@code queued → running → succeeded | failed | canceled}. */
public enum JobStatus implements WireEnum {
  /** Waiting for the engine. */
  QUEUED("queued"),
  /** Being sampled. */
  RUNNING("running"),
  /** Finished; its results can be fetched. */
  SUCCEEDED("succeeded"),
  /** Stopped by an error (see {@link Job#error()}). */
  FAILED("failed"),
  /** Canceled by a client. */
  CANCELED("canceled"),
  /** A value this SDK version does not know (sent by a newer server); never sent. */
  UNKNOWN("unknown");

  private final String wire;

  JobStatus(String wire) {
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
  public static JobStatus fromWire(String wire) {
    return WireEnum.lenient(JobStatus.class, wire, UNKNOWN);
  }

  /**
   * Parses a wire name strictly (user input).
   *
   * @param wire the wire name
   * @return the constant
   * @throws IllegalArgumentException for an unknown name
   */
  public static JobStatus parse(String wire) {
    return WireEnum.parse(JobStatus.class, wire);
  }

  /** @return true for {@code succeeded}, {@code failed} and {@code canceled}: the job will not change again */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELED;
  }

  @Override
  public String toString() {
    return wire;
  }
}
