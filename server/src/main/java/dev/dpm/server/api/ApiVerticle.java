package dev.dpm.server.api;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.jobs.JobRecord;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.jobs.JobStatus;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.results.ImageRenderer;
import dev.dpm.server.results.ResultStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP and WebSocket edge. Routes come from {@code openapi.yaml} through Vert.x's OpenAPI
 * router, so every request is validated against the contract before a handler sees it; one
 * failure handler ({@link Problems}) turns every rejection into a problem body. Handlers are thin:
 * they read the validated request, call the {@link JobService} off the event loop and write JSON.
 * WebSockets are upgraded by the server's handshake handler (the job is checked before the
 * upgrade, so an unknown job is a 404) and handed to the {@link EventHub}.
 */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final Pattern JOB_EVENTS = Pattern.compile("^/v1/jobs/([A-Za-z0-9_-]{1,64})/events$");

  /** Connections (HTTP and WebSocket) with no traffic for this long are closed (half-open peers included). */
  static final int IDLE_TIMEOUT_SECONDS = 120;
  private final ServerConfig config;
  private final JobService jobs;
  private final ModelRegistry models;
  private final EventHub hub;
  private final ResultStore results;
  private final PrometheusMeterRegistry metrics;
  private HttpServer server;
  private Router router;

  /**
   * @param config limits (body size, port)
   * @param jobs the job service
   * @param models served models
   * @param hub event fan-out
   * @param results result files
   * @param metrics Prometheus registry for {@code /metrics}
   */
  public ApiVerticle(ServerConfig config, JobService jobs, ModelRegistry models, EventHub hub,
      ResultStore results, PrometheusMeterRegistry metrics) {
    this.config = config;
    this.jobs = jobs;
    this.models = models;
    this.hub = hub;
    this.results = results;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    return Contract.load(vertx).compose(contract -> {
      router = buildRouter(contract);
      server = vertx.createHttpServer(new HttpServerOptions()
              .setMaxWebSocketFrameSize(1 << 20).setCompressionSupported(true)
              .setIdleTimeout(IDLE_TIMEOUT_SECONDS).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS))
          .requestHandler(router)
          .webSocketHandshakeHandler(this::handshake);
      return server.listen(config.port(), config.host());
    }).onSuccess(s -> LOG.info("event=listening port={}", s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return hub.closeAll().compose(v -> server == null ? Future.succeededFuture()
        : server.shutdown(5, java.util.concurrent.TimeUnit.SECONDS));
  }

  /** @return the bound port (after start) */
  public int actualPort() {
    return server.actualPort();
  }

  /** @return the router (tests compare its routes with the contract) */
  public Router router() {
    return router;
  }

  private Router buildRouter(OpenAPIContract contract) {
    RouterBuilder rb = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
    rb.rootHandler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    rb.rootHandler(Origins::checkQuery);
    handle(rb, "createJob", this::createJob);
    handle(rb, "listJobs", this::listJobs);
    handle(rb, "getJob", this::getJob);
    handle(rb, "cancelJob", this::cancelJob);
    handle(rb, "getJobResult", this::getResult);
    handle(rb, "jobEvents", this::needsUpgrade);
    handle(rb, "allEvents", this::needsUpgrade);
    handle(rb, "listModels", this::listModels);
    handle(rb, "getModel", this::getModel);
    handle(rb, "createCalibration", this::createCalibration);
    new ModelAdminRoutes(vertx, models, jobs).mount((operationId, h) -> handle(rb, operationId, h));
    handle(rb, "health", ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    handle(rb, "ready", this::ready);
    handle(rb, "metrics", ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
    handle(rb, "webPage", this::webPage);
    Router r = rb.createRouter();
    r.route().failureHandler(Problems::handle);
    r.errorHandler(404, Problems::handle);
    r.errorHandler(405, Problems::handle);
    r.errorHandler(413, Problems::handle);
    r.errorHandler(500, Problems::handle);
    return r;
  }

  private static void handle(RouterBuilder rb, String operationId,
      io.vertx.core.Handler<RoutingContext> h) {
    OpenAPIRoute route = rb.getRoute(operationId);
    if (route == null) {
      throw new IllegalStateException("openapi.yaml has no operation " + operationId);
    }
    route.addHandler(ctx -> {
      try {
        h.handle(ctx);
      } catch (RuntimeException e) {
        ctx.fail(e);
      }
    });
    route.addFailureHandler(Problems::handle);
  }

  // ---------------------------------------------------------------- jobs

  private void createJob(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    JsonObject body = req.getBody().getJsonObject();
    String key = header(req, "Idempotency-Key");
    reply(ctx, jobs.submit(JobRequests.sample(body), key), s -> {
      ctx.response().putHeader("Location", "/v1/jobs/" + s.job().getString("id"));
      json(ctx, s.replay() ? 200 : 202, s.job());
    });
  }

  private void createCalibration(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter bodyParam = req.getBody();
    JsonObject body = bodyParam == null || bodyParam.isNull() ? new JsonObject() : bodyParam.getJsonObject();
    String name = req.getPathParameters().get("name").getString();
    reply(ctx, jobs.submit(JobRequests.calibration(name, body), header(req, "Idempotency-Key")), s -> {
      ctx.response().putHeader("Location", "/v1/jobs/" + s.job().getString("id"));
      json(ctx, s.replay() ? 200 : 202, s.job());
    });
  }

  private void listJobs(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter st = req.getQuery().get("status");
    RequestParameter lim = req.getQuery().get("limit");
    RequestParameter cur = req.getQuery().get("cursor");
    JobStatus status = st == null || st.isNull() ? null : JobStatus.parse(st.getString());
    int limit = lim == null || lim.isNull() ? 50 : lim.getInteger();
    String cursor = cur == null || cur.isNull() ? null : cur.getString();
    blocking(ctx, () -> jobs.list(status, limit, cursor), page -> json(ctx, 200, new JsonObject()
        .put("items", new JsonArray(page.items())).put("nextCursor", page.nextCursor())));
  }

  private void getJob(RoutingContext ctx) {
    String id = pathParam(ctx, "id");
    blocking(ctx, () -> jobs.get(id), job -> json(ctx, 200, job));
  }

  private void cancelJob(RoutingContext ctx) {
    String id = pathParam(ctx, "id");
    reply(ctx, jobs.cancel(id), job -> json(ctx,
        JobStatus.parse(job.getString("status")).terminal() ? 200 : 202, job));
  }

  private void getResult(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String id = req.getPathParameters().get("id").getString();
    RequestParameter f = req.getQuery().get("format");
    RequestParameter ix = req.getQuery().get("index");
    String format = f == null || f.isNull() ? "npy" : f.getString();
    Integer index = ix == null || ix.isNull() ? null : ix.getInteger();
    blocking(ctx, () -> {
      JobRecord r = jobs.record(id).orElseThrow(() -> ProblemException.notFound("job '" + id + "'"));
      if (r.status() != JobStatus.SUCCEEDED) {
        throw new ProblemException(409, "not-ready", "Result not available",
            "job '" + id + "' is " + r.status().wire() + "; results exist once it has succeeded",
            List.of(), r.status().terminal() ? Map.of() : Map.of("Retry-After", "1"));
      }
      JsonArray outputs = r.spec().getJsonArray("outputs", new JsonArray());
      if (!outputs.contains(format)) {
        throw ProblemException.invalid("format", "job '" + id + "' has no " + format
            + " output (its outputs: " + outputs.encode() + ")");
      }
      if (index != null) {
        if (!"png".equals(format)) {
          throw ProblemException.invalid("index", "index applies to format=png only");
        }
        ServedModel m = models.get(r.model());
        if (m == null || !ImageRenderer.isImage(m.spec().sampleShape(), m.spec().dataRange())) {
          throw ProblemException.invalid("index", "per-sample PNGs exist for image models only");
        }
        if (index >= r.n()) {
          throw ProblemException.invalid("index", "must be below n = " + r.n());
        }
      }
      Path p = results.file(id, format, index);
      if (!Files.isRegularFile(p)) {
        throw ProblemException.notFound("result file for job '" + id + "' (deleted by retention?)");
      }
      return p;
    }, p -> {
      String type = switch (format) {
        case "png" -> "image/png";
        case "json" -> "application/json";
        default -> "application/octet-stream";
      };
      String name = id + (index == null ? "" : "-" + index) + "." + format;
      ctx.response().putHeader("Content-Type", type)
          .putHeader("Content-Disposition", "attachment; filename=\"" + name + "\"")
          .sendFile(p.toString());
    });
  }

  private void needsUpgrade(RoutingContext ctx) {
    throw new ProblemException(400, "websocket-required", "WebSocket required",
        "this endpoint is a WebSocket: connect with an Upgrade: websocket request", List.of(), Map.of());
  }

  // ---------------------------------------------------------------- WebSocket

  private void handshake(ServerWebSocketHandshake h) {
    if (!Origins.allowed(h.headers().get("Origin"), h.headers().get("Host"), config.allowedOrigins())) {
      LOG.warn("event=ws-origin-refused origin={}", h.headers().get("Origin"));
      h.reject(403);
      return;
    }
    String path = h.path();
    if ("/v1/events".equals(path)) {
      h.accept().onSuccess(hub::subscribeAll);
      return;
    }
    Matcher m = JOB_EVENTS.matcher(path);
    if (!m.matches()) {
      h.reject(404);
      return;
    }
    String id = m.group(1);
    Long after;
    try {
      after = parseAfter(h.query());
    } catch (IllegalArgumentException e) {
      h.reject(400);
      return;
    }
    vertx.executeBlocking(() -> jobs.stateEvent(id), false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("event=ws-state-failed job={} error={}", id, ar.cause().toString());
        h.reject(500);
      } else if (ar.result().isEmpty()) {
        h.reject(404);
      } else {
        JsonObject state = ar.result().get();
        h.accept().onSuccess(ws -> hub.subscribe(ws, id, after, state));
      }
    });
  }

  private static Long parseAfter(String query) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    Long after = null;
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      String k = eq < 0 ? kv : kv.substring(0, eq);
      String v = eq < 0 ? "" : kv.substring(eq + 1);
      if ("after".equals(k)) {
        long a = Long.parseLong(v); // NumberFormatException is an IllegalArgumentException
        if (a < 0) {
          throw new IllegalArgumentException("after must be >= 0");
        }
        after = a;
      }
    }
    return after;
  }

  // ---------------------------------------------------------------- models, health, page

  private void listModels(RoutingContext ctx) {
    JsonArray items = new JsonArray();
    for (ModelRegistry.ModelStatus st : models.statuses()) {
      ServedModel m = st.loaded() ? models.get(st.name()) : null;
      items.add(m != null ? ModelViews.of(m, jobs.engines().get(m.name())) : ModelViews.failed(st));
    }
    json(ctx, 200, new JsonObject().put("items", items));
  }

  private void getModel(RoutingContext ctx) {
    String name = pathParam(ctx, "name");
    ServedModel m = models.get(name);
    if (m != null) {
      json(ctx, 200, ModelViews.of(m, jobs.engines().get(name)));
      return;
    }
    ModelRegistry.ModelStatus failed = models.statuses().stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> ProblemException.notFound("model '" + name + "'"));
    json(ctx, 200, ModelViews.failed(failed)); // listed with its root cause, like /v1/models
  }

  private void ready(RoutingContext ctx) {
    JsonArray checks = new JsonArray();
    boolean up = jobs.accepting();
    checks.add(new JsonObject().put("name", "accepting").put("status", jobs.accepting() ? "UP" : "DOWN"));
    for (var e : jobs.engines().entrySet()) {
      boolean r = e.getValue().ready();
      up &= r;
      checks.add(new JsonObject().put("name", "model:" + e.getKey()).put("status", r ? "UP" : "DOWN")
          .put("detail", r ? "loaded and warmed up" : "warming up"));
    }
    up &= jobs.ready();
    json(ctx, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", checks));
  }

  private void webPage(RoutingContext ctx) {
    vertx.fileSystem().readFile("web/index.html").onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(new ProblemException(404, "not-found", "Not found", "web page not bundled", List.of(), Map.of()));
      } else {
        ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(ar.result());
      }
    });
  }

  // ---------------------------------------------------------------- helpers

  private static String header(ValidatedRequest req, String name) {
    for (Map.Entry<String, RequestParameter> e : req.getHeaders().entrySet()) {
      if (e.getKey().equalsIgnoreCase(name) && e.getValue() != null && !e.getValue().isNull()) {
        return e.getValue().getString();
      }
    }
    return null;
  }

  private static String pathParam(RoutingContext ctx, String name) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    return req.getPathParameters().get(name).getString();
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  private <T> void blocking(RoutingContext ctx, Callable<T> work, java.util.function.Consumer<T> then) {
    vertx.executeBlocking(work, false).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        try {
          then.accept(ar.result());
        } catch (RuntimeException e) {
          ctx.fail(e);
        }
      }
    });
  }

  private <T> void reply(RoutingContext ctx, CompletableFuture<T> f, java.util.function.Consumer<T> then) {
    io.vertx.core.Context c = vertx.getOrCreateContext();
    f.whenComplete((v, t) -> c.runOnContext(x -> {
      if (t != null) {
        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
            ? t.getCause() : t;
        ctx.fail(cause);
      } else {
        try {
          then.accept(v);
        } catch (RuntimeException e) {
          ctx.fail(e);
        }
      }
    }));
  }

}
