package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a job failed ({@code JobError} in {@code openapi.yaml}).
 *
 * @param code the kind of failure
 * @param message a human-readable explanation
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobError(Code code, String message) {

  /** The kinds of job failure. */
  public enum Code implements WireEnum {
    /** The model produced NaN or infinity. */
    NON_FINITE_OUTPUT("non-finite-output"),
    /** The job's {@code deadlineSeconds} passed. */
    DEADLINE_EXCEEDED("deadline-exceeded"),
    /** The job was canceled. */
    CANCELED("canceled"),
    /** The server shut down. */
    SHUTDOWN("shutdown"),
    /** A server bug. */
    INTERNAL("internal"),
    /** The model was unloaded before the job started. */
    MODEL_UNLOADED("model-unloaded"),
    /** The model was reloaded before the job started, and the job does not fit the new version. */
    MODEL_CHANGED("model-changed"),
    /** An adaptive solver ({@code ode-rk45}) needed more evaluations than the job was admitted with. */
    NFE_LIMIT_EXCEEDED("nfe-limit-exceeded"),
    /** A code this SDK version does not know; never sent. */
    UNKNOWN("unknown");

    private final String wire;

    Code(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Code fromWire(String wire) {
      return WireEnum.lenient(Code.class, wire, UNKNOWN);
    }

    @Override
    public String toString() {
      return wire;
    }
  }
}
