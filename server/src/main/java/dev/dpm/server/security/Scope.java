package dev.dpm.server.security;

import java.util.Locale;

/** What a key may do: {@code sample} (own jobs) or {@code admin} (also shared state: Γ installs, models, metrics). */
public enum Scope {
  /** Submit, read, cancel and watch the tenant's own jobs; read models. */
  SAMPLE,
  /** Everything {@link #SAMPLE} may, plus changes to shared state and {@code /metrics}. */
  ADMIN;

  /** @return the wire name ({@code sample}, {@code admin}) */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param s a wire name
   * @return the scope
   * @throws IllegalArgumentException naming the valid names
   */
  public static Scope parse(String s) {
    for (Scope v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown scope '" + s + "' (sample or admin)");
  }

  /**
   * @param needed the scope an operation needs
   * @return whether this scope includes it
   */
  public boolean includes(Scope needed) {
    return this == ADMIN || needed == SAMPLE;
  }
}
