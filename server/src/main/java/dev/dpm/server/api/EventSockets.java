package dev.dpm.server.api;

import dev.dpm.core.sampler.Problem;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.security.Principal;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket upgrades of {@code /v1/jobs/{id}/events} and {@code /v1/events}, inside the router: the contract has
 * validated the path and {@code after}, {@link Access} the key, so every refusal is a problem body like any other
 * (400 without an upgrade, 426 for a WebSocket version other than 13, 403 for an Origin not allowed, 404 for an
 * unknown job or another tenant's). Allowed Origins: none (clients that are not browsers), the server's own, and
 * those of {@code allowedOrigins} and {@code corsAllowedOrigins}. Only then is the request upgraded and handed to
 * the {@link EventHub}.
 */
final class EventSockets {
  private static final Logger LOG = LoggerFactory.getLogger(EventSockets.class);
  private final Vertx vertx;
  private final ServerConfig config;
  private final JobService jobs;
  private final EventHub hub;

  EventSockets(Vertx vertx, ServerConfig config, JobService jobs, EventHub hub) {
    this.vertx = vertx;
    this.config = config;
    this.jobs = jobs;
    this.hub = hub;
  }

  /** {@code GET /v1/jobs/{id}/events}. */
  void job(RoutingContext ctx) {
    check(ctx);
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String id = req.getPathParameters().get("id").getString();
    RequestParameter a = req.getQuery().get("after");
    Long after = a == null || a.isNull() ? null : a.getLong();
    Principal caller = Access.principal(ctx);
    vertx.executeBlocking(() -> {
      Optional<JsonObject> state = jobs.stateEvent(id);
      return state.isPresent() && caller.owns(tenantOf(jobs, id)) ? state : Optional.<JsonObject>empty();
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result().isEmpty()) {
        ctx.fail(ProblemException.notFound("job '" + id + "'"));
      } else {
        JsonObject state = ar.result().get();
        upgrade(ctx).onSuccess(ws -> hub.subscribe(ws, id, after, state));
      }
    });
  }

  /** {@code GET /v1/events}: the caller's jobs only. */
  void all(RoutingContext ctx) {
    check(ctx);
    String tenant = Access.principal(ctx).tenant();
    upgrade(ctx).onSuccess(ws -> hub.subscribeAll(ws, tenant));
  }

  private io.vertx.core.Future<io.vertx.core.http.ServerWebSocket> upgrade(RoutingContext ctx) {
    return ctx.request().toWebSocket().onFailure(t -> {
      LOG.warn("event=ws-upgrade-failed path={} error=\"{}\"", ctx.request().path(), t.toString());
      if (!ctx.response().ended() && !ctx.response().headWritten()) {
        ctx.fail(new ProblemException(400, "websocket-required", "WebSocket handshake failed", t.getMessage(),
            List.of(), Map.of()));
      }
    });
  }

  private void check(RoutingContext ctx) {
    HttpServerRequest r = ctx.request();
    String upgrade = r.getHeader("Upgrade");
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      throw new ProblemException(400, "websocket-required", "WebSocket required",
          "this endpoint is a WebSocket: connect with an Upgrade: websocket request", List.of(), Map.of());
    }
    String version = r.getHeader("Sec-WebSocket-Version");
    if (!"13".equals(version)) {
      throw new ProblemException(426, "websocket-version", "Upgrade required",
          "only WebSocket version 13 is supported", List.of(new Problem("Sec-WebSocket-Version", "must be 13")),
          Map.of("Sec-WebSocket-Version", "13"));
    }
    if (r.getHeader("Sec-WebSocket-Key") == null) {
      throw new ProblemException(400, "websocket-required", "WebSocket required",
          "a WebSocket handshake needs Sec-WebSocket-Key", List.of(new Problem("Sec-WebSocket-Key", "is required")),
          Map.of());
    }
    if (!Origins.allowed(r.getHeader("Origin"), r.getHeader("Host"), config.allowedOrigins())
        && !config.corsAllowedOrigins().contains(r.getHeader("Origin"))) {
      LOG.warn("event=ws-origin-refused origin={}", r.getHeader("Origin"));
      throw new ProblemException(403, "origin-refused", "Forbidden",
          "this Origin may not open WebSockets here (allowedOrigins)", List.of(new Problem("Origin", "not allowed")),
          Map.of());
    }
  }

  /** @return the job's tenant, or null (no such job, made without API keys, or unreadable) */
  static String tenantOf(JobService jobs, String id) {
    try {
      return jobs.record(id).map(dev.dpm.server.jobs.JobRecord::tenant).orElse(null);
    } catch (java.sql.SQLException e) {
      return null;
    }
  }
}
