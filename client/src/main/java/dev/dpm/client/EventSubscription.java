package dev.dpm.client;

import java.util.concurrent.CompletableFuture;

/**
 * A live event subscription: closing it closes the WebSocket and stops reconnecting. It ends by
 * itself after a job's terminal event.
 */
public interface EventSubscription extends AutoCloseable {

  /** Closes the socket and stops reconnecting; idempotent. */
  @Override
  void close();

  /**
   * @return completes when the subscription ends: normally after the terminal event or
   *     {@link #close()}, exceptionally with the {@link DpmException} passed to
   *     {@link JobEventListener#onError}
   */
  CompletableFuture<Void> done();

  /** @return the {@code seq} of the last event delivered, −1 before the first */
  long lastSeq();

  /** @return the WebSocket connections opened so far (1 + reconnects) */
  int connections();
}
