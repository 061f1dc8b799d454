package dev.dpm.server.api;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;

/** Small checks at the edge: the WebSocket {@code Origin} allow list, and queries that cannot be decoded. */
final class Origins {
  private Origins() {}

  /**
   * A browser's WebSocket may come from the server's own origin or from a configured one; clients that are not
   * browsers send no {@code Origin} and are not affected.
   *
   * @param origin the Origin header or null
   * @param host the Host header or null
   * @param allowed configured origins
   * @return whether to accept
   */
  static boolean allowed(String origin, String host, List<String> allowed) {
    if (origin == null || allowed.contains(origin)) {
      return true;
    }
    try {
      URI u = URI.create(origin);
      String authority = u.getRawAuthority();
      return host != null && authority != null && authority.equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Fails with a 400 problem naming {@code query} when the query has a malformed percent-escape. */
  static void checkQuery(RoutingContext ctx) {
    String q = ctx.request().query();
    if (q != null) {
      try {
        new QueryStringDecoder(q, false).parameters();
      } catch (IllegalArgumentException e) {
        ctx.fail(ProblemException.invalid("query", "malformed percent-escape in the query string"));
        return;
      }
    }
    ctx.next();
  }
}
