package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * The server's health ({@code Health} in {@code openapi.yaml}).
 *
 * @param status UP or DOWN
 * @param checks the individual checks
 * @param node in cluster mode, the id of the node that answered; null on a single node
 * @param role in cluster mode, that node's role ({@code api}, {@code worker}, {@code all}); null on a single node
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Health(Status status, List<Check> checks, String node, String role) {
  /** Copies the list. */
  public Health {
    checks = checks == null ? List.of() : List.copyOf(checks);
  }

  /**
   * One check.
   *
   * @param name what was checked
   * @param status its outcome
   * @param detail an explanation, or null
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Check(String name, Status status, String detail) {}

  /** A check's outcome. */
  public enum Status implements WireEnum {
    /** Healthy. */
    UP("UP"),
    /** Not healthy. */
    DOWN("DOWN"),
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
}
