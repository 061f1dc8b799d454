package dev.dpm.server.security;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Short-lived, single-use tokens that stand in for an API key on a WebSocket handshake, for browsers (whose WebSocket
 * API cannot send {@code Authorization}): {@code POST /v1/ws-tokens} with the key issues one, bound to the key's
 * tenant and scope, valid {@link #TTL}; the handshake passes it as {@code ?token=} and uses it up. A token never
 * authorises anything but a WebSocket of its tenant, so one that leaks into a log is worth one connection within a
 * minute. Thread-safe; at most {@link #MAX_OUTSTANDING} are kept (the oldest give way).
 */
public final class WsTokens {
  /** How long a token is valid. */
  public static final Duration TTL = Duration.ofSeconds(60);
  /** Tokens kept at once. */
  public static final int MAX_OUTSTANDING = 10_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * A token just issued.
   *
   * @param token the token ({@code wst_} and 43 base64url characters)
   * @param expiresAt when it stops working
   */
  public record Issued(String token, Instant expiresAt) {}

  private record Held(Principal principal, long expiresAtMs) {}

  private final Map<String, Held> held = new LinkedHashMap<>();
  private final LongSupplier clock;

  /** Tokens on the system clock. */
  public WsTokens() {
    this(System::currentTimeMillis);
  }

  /** @param clock epoch milliseconds (tests) */
  WsTokens(LongSupplier clock) {
    this.clock = clock;
  }

  /**
   * @param principal the caller the token stands for
   * @return a new token
   */
  public synchronized Issued issue(Principal principal) {
    long now = clock.getAsLong();
    purge(now);
    while (held.size() >= MAX_OUTSTANDING) {
      Iterator<String> oldest = held.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = "wst_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    long expires = now + TTL.toMillis();
    held.put(token, new Held(principal, expires));
    return new Issued(token, Instant.ofEpochMilli(expires));
  }

  /**
   * Uses a token up.
   *
   * @param token the token from the handshake's query
   * @return its caller, or empty if it is unknown, used already or expired
   */
  public synchronized Optional<Principal> redeem(String token) {
    Held h = token == null ? null : held.remove(token);
    if (h == null || clock.getAsLong() > h.expiresAtMs()) {
      return Optional.empty();
    }
    return Optional.of(h.principal());
  }

  private void purge(long now) {
    held.values().removeIf(h -> now > h.expiresAtMs());
  }
}
