package dev.dpm.server.api;

import dev.dpm.core.sampler.Problem;
import dev.dpm.server.security.ApiKeys;
import dev.dpm.server.security.Authentication;
import dev.dpm.server.security.Principal;
import dev.dpm.server.security.Scope;
import dev.dpm.server.security.WsTokens;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication at the edge (the first root handler): with API keys, every {@code /v1} route and {@code /metrics}
 * need {@code Authorization: Bearer KEY} (401 with {@code WWW-Authenticate} otherwise), {@code /metrics} the admin
 * scope (403); {@code /health*} and the web page stay open. The caller is put on the context for the handlers, which
 * filter by tenant (another tenant's job is a 404) and check the admin scope where shared state changes. Without keys
 * every caller is {@link Principal#LOCAL}.
 *
 * <p>A WebSocket handshake ({@code /v1/events}, {@code /v1/jobs/{id}/events}) without {@code Authorization} may pass
 * {@code ?token=} instead: a single-use token of {@code POST /v1/ws-tokens} ({@link WsTokens}), for browsers.
 */
final class Access {
  private static final Logger LOG = LoggerFactory.getLogger(Access.class);
  private static final String KEY = "dpm.principal";
  private static final java.util.regex.Pattern WS_PATH =
      java.util.regex.Pattern.compile("/v1/events|/v1/jobs/[^/]+/events");
  private final ApiKeys keys;
  private final WsTokens tokens = new WsTokens();

  /** @param keys the verifier, or null for a server without keys */
  Access(ApiKeys keys) {
    this.keys = keys;
  }

  /** @return the WebSocket tokens this edge accepts */
  WsTokens tokens() {
    return tokens;
  }

  /** @return whether this server checks API keys */
  boolean enabled() {
    return keys != null;
  }

  /** The root handler. */
  void handle(RoutingContext ctx) {
    if (keys == null) {
      ctx.put(KEY, Principal.LOCAL);
      ctx.next();
      return;
    }
    String path = ctx.request().path();
    boolean metrics = "/metrics".equals(path);
    if (path == null || !(path.equals("/v1") || path.startsWith("/v1/") || metrics)) {
      ctx.next(); // health, the web page, and unknown routes (a 404 either way)
      return;
    }
    String authorization = ctx.request().getHeader("Authorization");
    String token = authorization == null && WS_PATH.matcher(path).matches() ? ctx.request().getParam("token") : null;
    Authentication a = token == null ? keys.authenticate(authorization) : tokens.redeem(token)
        .<Authentication>map(Authentication.Ok::new).orElseGet(() -> new Authentication.Invalid(
            "unknown, used or expired WebSocket token (POST /v1/ws-tokens issues one, valid once within "
                + WsTokens.TTL.toSeconds() + " s)"));
    if (a instanceof Authentication.Ok ok) {
      if (metrics && !ok.principal().may(Scope.ADMIN)) {
        ctx.fail(forbidden("/metrics needs an admin key"));
        return;
      }
      ctx.put(KEY, ok.principal());
      ctx.next();
    } else if (a instanceof Authentication.Invalid inv) {
      LOG.warn("event=auth-refused path={} reason=\"{}\"", path, inv.reason());
      ctx.fail(unauthorized("invalid_token", inv.reason()));
    } else {
      ctx.fail(unauthorized(null, "this server needs an API key: send Authorization: Bearer KEY"));
    }
  }

  /**
   * @param ctx a request context that passed {@link #handle}
   * @return its caller
   */
  static Principal principal(RoutingContext ctx) {
    Principal p = ctx.get(KEY);
    return p == null ? Principal.LOCAL : p;
  }

  /**
   * Throws a 403 unless the caller has the admin scope.
   *
   * @param ctx the request
   * @param field the field or operation that needs it (named in the problem)
   */
  static void requireAdmin(RoutingContext ctx, String field) {
    if (!principal(ctx).may(Scope.ADMIN)) {
      throw forbidden(field + " changes state shared by every tenant and needs an admin key");
    }
  }

  static ProblemException unauthorized(String error, String detail) {
    String challenge = "Bearer realm=\"dpm\"" + (error == null ? "" : ", error=\"" + error + "\"");
    return new ProblemException(401, "unauthorized", "Unauthorized", detail,
        List.of(new Problem("Authorization", detail)), Map.of("WWW-Authenticate", challenge));
  }

  static ProblemException forbidden(String detail) {
    return new ProblemException(403, "forbidden", "Forbidden", detail, List.of(), Map.of());
  }
}
