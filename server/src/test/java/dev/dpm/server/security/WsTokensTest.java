package dev.dpm.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** WebSocket tokens: bound to their caller, single use, expire after {@link WsTokens#TTL}, bounded in number. */
class WsTokensTest {
  final AtomicLong now = new AtomicLong(1_000_000);
  final WsTokens tokens = new WsTokens(now::get);
  final Principal a = new Principal("a", Scope.SAMPLE, "k_a");

  @Test
  void aTokenStandsForItsCallerOnce() {
    WsTokens.Issued t = tokens.issue(a);
    assertEquals(now.get() + 60_000, t.expiresAt().toEpochMilli());
    assertEquals(a, tokens.redeem(t.token()).orElseThrow());
    assertTrue(tokens.redeem(t.token()).isEmpty(), "used up");
    assertTrue(tokens.redeem("wst_nope").isEmpty());
    assertTrue(tokens.redeem(null).isEmpty());
    assertNotEquals(tokens.issue(a).token(), tokens.issue(a).token());
  }

  @Test
  void aTokenExpiresAfterItsTtl() {
    WsTokens.Issued early = tokens.issue(a);
    WsTokens.Issued late = tokens.issue(a);
    now.addAndGet(WsTokens.TTL.toMillis());
    assertTrue(tokens.redeem(early.token()).isPresent(), "valid to the last millisecond");
    now.incrementAndGet();
    assertTrue(tokens.redeem(late.token()).isEmpty(), "expired");
  }

  @Test
  void theOldestGiveWayBeyondTheCap() {
    WsTokens.Issued first = tokens.issue(a);
    for (int i = 0; i < WsTokens.MAX_OUTSTANDING; i++) {
      tokens.issue(a);
    }
    assertTrue(tokens.redeem(first.token()).isEmpty(), "dropped to keep the map bounded");
  }
}
