package dev.dpm.server.cluster;

import dev.dpm.server.api.EventHub;
import dev.dpm.server.jobs.EventSink;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * Job events over the clustered event bus: every node publishes the events of the jobs it holds to one address,
 * and every node's {@link EventHub} receives all of them (its own included), so that any API node streams any job
 * with the seq numbers that its worker gave (replay from the hub's ring as on one node). Publishes go through one
 * Vert.x context, so the events of a job leave in seq order, and the bus keeps that order per pair of nodes.
 */
final class BusEvents implements EventSink {
  static final String ADDRESS = "dpm.events";
  private final Vertx vertx;
  private final Context context;
  private final MessageConsumer<JsonObject> consumer;
  private volatile Runnable onChange = () -> { };

  BusEvents(Vertx vertx, EventHub hub) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.consumer = vertx.eventBus().<JsonObject>consumer(ADDRESS, m -> {
      JsonObject b = m.body();
      JsonObject e = b.getJsonObject("event");
      hub.publish(b.getString("jobId"), e, b.getBoolean("terminal", false));
      if (b.getBoolean("terminal", false) || "queued".equals(e.getString("type"))) {
        onChange.run();
      }
    });
  }

  /** @param r called (on the event loop: must not block) when a job is queued or ends anywhere: a worker looks for work */
  void onQueuedOrEnded(Runnable r) {
    onChange = r;
  }

  /** @return completes once the consumer is known to the cluster */
  Future<Void> registered() {
    return consumer.completion();
  }

  @Override
  public void publish(String jobId, JsonObject event, boolean terminal) {
    JsonObject m = new JsonObject().put("jobId", jobId).put("terminal", terminal).put("event", event);
    context.runOnContext(v -> vertx.eventBus().publish(ADDRESS, m));
  }
}
