package dev.dpm.server.jobs;

import io.vertx.core.json.JsonObject;

/** Where job events go (the WebSocket hub). Implementations must not block the caller. */
public interface EventSink {
  /**
   * Publishes one event. Calls for one job arrive in seq order.
   *
   * @param jobId the job
   * @param event the event JSON ({@code seq}, {@code jobId}, {@code type}, ...)
   * @param terminal true for the job's last event
   */
  void publish(String jobId, JsonObject event, boolean terminal);
}
