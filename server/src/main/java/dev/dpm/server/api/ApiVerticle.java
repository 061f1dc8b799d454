package dev.dpm.server.api;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.jobs.JobRecord;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.jobs.JobStatus;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.results.ImageRenderer;
import dev.dpm.server.results.ResultStore;
import dev.dpm.server.security.ApiKeys;
import dev.dpm.server.security.Principal;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
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
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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

  /** Connections (HTTP and WebSocket) with no traffic for this long are closed (half-open peers included). */
  static final int IDLE_TIMEOUT_SECONDS = 120;
  private final ServerConfig config;
  private final JobService jobs;
  private final ModelRegistry models;
  private final EventHub hub;
  private final ResultStore results;
  private final PrometheusMeterRegistry metrics;
  private final NodeIdentity node; // null on a single node
  private HttpServer server;
  private Router router;
  private Access access;
  private EventSockets sockets;
  private Edge edge;

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
    this(config, jobs, models, hub, results, metrics, null);
  }

  /**
   * A node of a cluster: the same, and its identity in the health answers.
   *
   * @param config limits @param jobs job service @param models models @param hub events @param results results
   * @param metrics metrics @param node the node's id and role, or null on a single node
   */
  public ApiVerticle(ServerConfig config, JobService jobs, ModelRegistry models, EventHub hub,
      ResultStore results, PrometheusMeterRegistry metrics, NodeIdentity node) {
    this.node = node;
    this.config = config;
    this.jobs = jobs;
    this.models = models;
    this.hub = hub;
    this.results = results;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    ApiKeys keys;
    try {
      keys = config.apiKeys() == null ? null : ApiKeys.open(config.apiKeys());
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    access = new Access(keys);
    sockets = new EventSockets(vertx, config, jobs, hub);
    hub.tenantLookup(id -> EventSockets.tenantOf(jobs, id));
    return Contract.load(vertx).compose(contract -> {
      edge = new Edge(contract);
      router = buildRouter(contract);
      server = vertx.createHttpServer(new HttpServerOptions()
              .setMaxWebSocketFrameSize(1 << 20).setCompressionSupported(true)
              // no h2c: its prior-knowledge sniffing holds a connection back from the head timeout (clients use 1.1)
              .setHttp2ClearTextEnabled(false)
              .setIdleTimeout(IDLE_TIMEOUT_SECONDS).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS))
          .invalidRequestHandler(Edge::invalidRequest)
          .connectionHandler(c -> {
            HttpGuard.install(c); // problem bodies for unknown HTTP versions and bad chunk sizes
            edge.watchHead(vertx, c, config.headerTimeoutSeconds());
          })
          .requestHandler(r -> {
            edge.headArrived(vertx, r);
            if (!Edge.decodablePath(r.path())) {
              Edge.badPath(r);
              return;
            }
            if ("websocket".equalsIgnoreCase(r.getHeader("Upgrade"))) {
              r.pause(); // kept unread until EventSockets upgrades it (or the router refuses it)
            }
            router.handle(r);
          });
      return server.listen(config.port(), config.host());
    }).onSuccess(s -> LOG.info("event=listening port={} auth={}", s.actualPort(),
        keys == null ? "none (loopback or --allow-anonymous)" : "api-keys (" + keys.size() + ")"));
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
    // order: CORS (preflights carry no key), the query, the key, the Content-Type, then the body (each refusal a
    // problem before anything is read)
    rb.rootHandler(new Cors(config.corsAllowedOrigins())::handle);
    rb.rootHandler(Origins::checkQuery);
    rb.rootHandler(access::handle);
    rb.rootHandler(Edge::contentType);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
    rb.rootHandler(ctx -> {
      io.vertx.core.http.HttpMethod m = ctx.request().method();
      boolean carriesBody = m == io.vertx.core.http.HttpMethod.POST || m == io.vertx.core.http.HttpMethod.PUT
          || m == io.vertx.core.http.HttpMethod.PATCH;
      if (!carriesBody || "websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
        ctx.next(); // no body to read (a read would also forbid a WebSocket upgrade)
      } else {
        body.handle(ctx);
      }
    });
    handle(rb, "createJob", this::createJob);
    handle(rb, "listJobs", this::listJobs);
    handle(rb, "getJob", this::getJob);
    handle(rb, "cancelJob", this::cancelJob);
    handle(rb, "getJobResult", this::getResult);
    handle(rb, "jobEvents", sockets::job);
    handle(rb, "allEvents", sockets::all);
    handle(rb, "createWsToken", ctx -> {
      dev.dpm.server.security.WsTokens.Issued t = access.tokens().issue(Access.principal(ctx));
      ctx.response().putHeader("Cache-Control", "no-store");
      json(ctx, 200, new JsonObject().put("token", t.token()).put("expiresAt", t.expiresAt().toString())
          .put("expiresInSeconds", dev.dpm.server.security.WsTokens.TTL.toSeconds()));
    });
    handle(rb, "listModels", this::listModels);
    handle(rb, "getModel", this::getModel);
    handle(rb, "createCalibration", this::createCalibration);
    new ModelAdminRoutes(vertx, models, jobs).mount((operationId, h) -> handle(rb, operationId, ctx -> {
      Access.requireAdmin(ctx, operationId); // loading, unloading and reloading models changes every tenant's service
      h.handle(ctx);
    }));
    handle(rb, "health", ctx -> json(ctx, 200, identified(new JsonObject().put("status", "UP"))));
    handle(rb, "ready", this::ready);
    handle(rb, "metrics", ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
    handle(rb, "webPage", this::webPage);
    WebRoutes web = new WebRoutes(vertx, models);
    handle(rb, "listSamplers", web::listSamplers);
    handle(rb, "openApi", web::openApi);
    handle(rb, "apiDocs", web::apiDocs);
    handle(rb, "favicon", web::favicon);
    handle(rb, "webAsset", web::webAsset);
    Router r = rb.createRouter();
    r.route().failureHandler(Problems::handle);
    for (int code = 400; code < 600; code++) {
      r.errorHandler(code, Problems::handle); // whatever fails a context (vertx-web's own handlers too): a problem
    }
    r.errorHandler(405, ctx -> {
      String allow = edge.allowHeader(ctx.request().path());
      if (allow != null) {
        ctx.response().putHeader("Allow", allow);
      }
      Problems.handle(ctx);
    });
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
    reply(ctx, jobs.submit(JobRequests.sample(body), key, Access.principal(ctx).tenant()), s -> {
      ctx.response().putHeader("Location", "/v1/jobs/" + s.job().getString("id"));
      json(ctx, s.replay() ? 200 : 202, s.job());
    });
  }

  private void createCalibration(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter bodyParam = req.getBody();
    JsonObject body = bodyParam == null || bodyParam.isNull() ? new JsonObject() : bodyParam.getJsonObject();
    String name = req.getPathParameters().get("name").getString();
    var calibration = JobRequests.calibration(name, body);
    if (calibration.install()) {
      Access.requireAdmin(ctx, "install");
    }
    reply(ctx, jobs.submit(calibration, header(req, "Idempotency-Key"), Access.principal(ctx).tenant()), s -> {
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
    String tenant = Access.principal(ctx).tenant();
    blocking(ctx, () -> jobs.list(status, limit, cursor, tenant), page -> json(ctx, 200, new JsonObject()
        .put("items", new JsonArray(page.items())).put("nextCursor", page.nextCursor())));
  }

  private void getJob(RoutingContext ctx) {
    String id = pathParam(ctx, "id");
    Principal caller = Access.principal(ctx);
    blocking(ctx, () -> {
      owned(caller, id);
      return jobs.get(id);
    }, job -> json(ctx, 200, job));
  }

  private void cancelJob(RoutingContext ctx) {
    String id = pathParam(ctx, "id");
    Principal caller = Access.principal(ctx);
    blocking(ctx, () -> {
      owned(caller, id);
      return id;
    }, x -> reply(ctx, jobs.cancel(id), job -> json(ctx,
        JobStatus.parse(job.getString("status")).terminal() ? 200 : 202, job)));
  }

  private void getResult(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String id = req.getPathParameters().get("id").getString();
    RequestParameter f = req.getQuery().get("format");
    RequestParameter ix = req.getQuery().get("index");
    String format = f == null || f.isNull() ? "npy" : f.getString();
    Integer index = ix == null || ix.isNull() ? null : ix.getInteger();
    Principal caller = Access.principal(ctx);
    blocking(ctx, () -> {
      JobRecord r = jobs.record(id).filter(x -> caller.owns(x.tenant()))
          .orElseThrow(() -> ProblemException.notFound("job '" + id + "'"));
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
    json(ctx, up ? 200 : 503, identified(new JsonObject().put("status", up ? "UP" : "DOWN")).put("checks", checks));
  }

  /** A health answer, with the node's id and role in a cluster. */
  private JsonObject identified(JsonObject body) {
    return node == null ? body : node.into(body);
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

  /** Throws a 404 unless the job exists and is the caller's (another tenant's job is not found, never 403). */
  private void owned(Principal caller, String id) throws java.sql.SQLException {
    if (!jobs.record(id).map(r -> caller.owns(r.tenant())).orElse(false)) {
      throw ProblemException.notFound("job '" + id + "'");
    }
  }

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
