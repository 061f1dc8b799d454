package dev.dpm.client;

import java.util.Locale;

/**
 * An enum constant with the name the HTTP API spells it by (its wire name, e.g. {@code analytic-ddpm}).
 *
 * <p>Every enum of the SDK has an {@code UNKNOWN} constant: a value a newer server sends that this
 * SDK version does not know decodes to it instead of failing, so the server can grow without
 * breaking old clients. {@code UNKNOWN} is never sent.
 */
public interface WireEnum {
  /** @return the wire name, as in {@code openapi.yaml} */
  String wire();

  /**
   * The constant with a wire name, leniently: an unknown name gives {@code unknown}.
   *
   * @param type the enum
   * @param wire the wire name (null gives null)
   * @param unknown the constant for names this SDK does not know
   * @param <E> the enum type
   * @return the constant
   */
  static <E extends Enum<E> & WireEnum> E lenient(Class<E> type, String wire, E unknown) {
    if (wire == null) {
      return null;
    }
    for (E e : type.getEnumConstants()) {
      if (e != unknown && e.wire().equals(wire)) {
        return e;
      }
    }
    return unknown;
  }

  /**
   * The constant with a wire name, strictly (for command lines and user input). The constant's
   * Java name is accepted too, case-insensitively ({@code ANALYTIC_DDPM}).
   *
   * @param type the enum
   * @param wire the wire name
   * @param <E> the enum type
   * @return the constant
   * @throws IllegalArgumentException naming the accepted values
   */
  static <E extends Enum<E> & WireEnum> E parse(Class<E> type, String wire) {
    StringBuilder known = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      if ("unknown".equals(e.wire())) {
        continue;
      }
      if (e.wire().equals(wire) || e.name().equals(String.valueOf(wire).toUpperCase(Locale.ROOT))) {
        return e;
      }
      known.append(known.length() == 0 ? "" : ", ").append(e.wire());
    }
    throw new IllegalArgumentException("unknown value '" + wire + "' (expected one of: " + known + ")");
  }
}
