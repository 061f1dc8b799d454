package dev.dpm.server.jobs;

import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a node of a cluster adds to its {@link JobService} (cluster mode, {@code server.cluster}; a single node has
 * none). With a link, submitted jobs are handed to the shared store instead of the local engines (a worker claims
 * them and {@link JobService#adopt adopts} them), start-up recovery is left to the leases, and a job that runs on
 * another node is read and canceled through the link.
 */
public interface ClusterLink {
  /** @return true when this node runs jobs (worker or all), false for an API node */
  boolean runsJobs();

  /**
   * Cancels a job that is not live on this node.
   *
   * @param record its stored record (not finished)
   * @return the job JSON once canceled (or as it is if it did not stop in time); a {@link RejectedException} if it
   *     finished first
   */
  CompletableFuture<JsonObject> cancel(JobRecord record);

  /**
   * The current state of a job that is not live on this node, from the node that runs it (blocking, bounded).
   *
   * @param record its stored record (not finished)
   * @return {@code {seq, type, job, …}} as {@link JobService#stateEvent} gives it, or empty when no node answers
   */
  Optional<JsonObject> stateEvent(JobRecord record);
}
