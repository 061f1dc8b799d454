package dev.dpm.server.api;

import dev.dpm.server.jobs.JobService;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ModelRegistry.OperationException;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model repository's admin endpoints ({@code /v1/admin/models/{name}/load|unload|reload}, tag {@code admin} in
 * openapi.yaml): load a folder of the models directory, unload a model (running jobs finish on it, queued ones fail
 * with {@code model-unloaded}), reload a changed folder through the same checks (the old version finishes its running
 * jobs; on a refusal it keeps serving). The registry's refusals become problem bodies: no such folder or model 404,
 * already loaded 409, refused by the loader's checks 400 (its root cause as the detail, on the field {@code name}).
 *
 * <p>Operations run off the event loop (loading probes the network). An access check for the admin scope goes in
 * front of these routes: every operation this class mounts is in {@link #OPERATIONS}, and every path starts with
 * {@link #PATH_PREFIX}.
 */
public final class ModelAdminRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(ModelAdminRoutes.class);

  /** The operationIds of openapi.yaml this class handles (all of them admin operations). */
  public static final List<String> OPERATIONS = List.of("loadModel", "unloadModel", "reloadModel");

  /** The path prefix of every admin route. */
  public static final String PATH_PREFIX = "/v1/admin/";

  private final Vertx vertx;
  private final ModelRegistry models;
  private final JobService jobs;

  /**
   * @param vertx for running operations off the event loop
   * @param models the repository
   * @param jobs the job service (engines, running jobs)
   */
  public ModelAdminRoutes(Vertx vertx, ModelRegistry models, JobService jobs) {
    this.vertx = vertx;
    this.models = models;
    this.jobs = jobs;
  }

  /**
   * Adds the handlers of {@link #OPERATIONS}.
   *
   * @param handle adds a handler to the OpenAPI route of an operationId (with the edge's failure handling)
   */
  public void mount(BiConsumer<String, Handler<RoutingContext>> handle) {
    handle.accept("loadModel", ctx -> operate(ctx, "load", () -> models.load(name(ctx)), this::served));
    handle.accept("reloadModel", ctx -> operate(ctx, "reload", () -> models.reload(name(ctx)), this::served));
    handle.accept("unloadModel", ctx -> operate(ctx, "unload", () -> models.unload(name(ctx)), this::unloaded));
  }

  private JsonObject served(ServedModel m) {
    return ModelViews.of(m, jobs.engines().get(m.name()));
  }

  private JsonObject unloaded(ServedModel m) {
    return new JsonObject().put("name", m.name()).put("status", "unloaded").put("version", m.version())
        .put("runningJobs", jobs.runningOn(m));
  }

  private void operate(RoutingContext ctx, String op, Callable<ServedModel> work,
      java.util.function.Function<ServedModel, JsonObject> view) {
    String name = name(ctx);
    vertx.executeBlocking(work, true).onComplete(ar -> { // ordered: one operation at a time, in arrival order
      if (ar.failed()) {
        ctx.fail(ar.cause() instanceof OperationException e ? problem(e, name) : ar.cause());
        return;
      }
      ServedModel m = ar.result();
      LOG.info("event=admin-{} model={} version={}", op, m.name(), m.version());
      ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json")
          .end(view.apply(m).encode());
    });
  }

  private static String name(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    return req.getPathParameters().get("name").getString();
  }

  /**
   * @param e a refusal of the registry
   * @param name the model named by the request
   * @return its problem: 404 (no such folder or model), 409 (already loaded), 400 (refused by the loader's checks)
   */
  static ProblemException problem(OperationException e, String name) {
    return switch (e.kind()) {
      case NOT_FOUND -> new ProblemException(404, "not-found", "Not found", e.getMessage(), List.of(), Map.of());
      case CONFLICT -> ProblemException.conflict(e.getMessage());
      case INVALID -> new ProblemException(400, "model-invalid", "Model refused", e.getMessage(),
          List.of(new dev.dpm.core.sampler.Problem("name", e.getMessage())), Map.of());
    };
  }
}
