package dev.dpm.server.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.List;
import java.util.Set;

/**
 * Cross-origin calls from browsers (the first root handler): off unless {@code corsAllowedOrigins} names origins.
 * Then a request from one of them gets the {@code Access-Control-*} headers and its preflight ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) is answered before the key is checked (browsers send preflights without
 * credentials); a request from another origin is a 403 problem. Same-origin requests (the bundled web page), clients
 * that send no {@code Origin}, and WebSocket handshakes (which check {@code Origin} themselves, see
 * {@link EventSockets}) pass untouched. No cookies are involved (keys travel as {@code Authorization}), so
 * credentials are not allowed.
 */
final class Cors {
  /** Seconds a browser may cache a preflight. */
  static final int MAX_AGE_SECONDS = 600;
  private final CorsHandler handler;

  /** @param origins allowed origins; empty turns CORS off */
  Cors(List<String> origins) {
    this.handler = origins.isEmpty() ? null : CorsHandler.create().addOrigins(origins)
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "Idempotency-Key"))
        .exposedHeaders(Set.of("Location", "Retry-After", "WWW-Authenticate"))
        .allowCredentials(false).maxAgeSeconds(MAX_AGE_SECONDS);
  }

  /** The root handler. */
  void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (handler == null || origin == null || "websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))
        || Origins.allowed(origin, ctx.request().getHeader("Host"), List.of())) {
      ctx.next();
      return;
    }
    handler.handle(ctx);
  }
}
