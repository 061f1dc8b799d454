package dev.dpm.server.jobs;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cancelling a job: a queued job at once, a running job at its next evaluation (the engine reports
 * {@code onCanceled}); in a cluster, a job held by another node through the {@link ClusterLink}.
 */
final class Cancels {
  private final JobStore store;
  private final Lifecycle life;
  private final JobViews views;
  private final Dispatcher dispatcher;
  private final JobsThread jobsExec;
  private final ClusterLink cluster; // null on a single node

  Cancels(JobStore store, Lifecycle life, JobViews views, Dispatcher dispatcher, JobsThread jobsExec,
      ClusterLink cluster) {
    this.store = store;
    this.life = life;
    this.views = views;
    this.dispatcher = dispatcher;
    this.jobsExec = jobsExec;
    this.cluster = cluster;
  }

  /**
   * @param id job id
   * @return the job once canceled (or with its current state if it has not stopped within the wait)
   */
  CompletableFuture<JsonObject> cancel(String id) {
    if (cluster == null) {
      return cancelHere(id);
    }
    return jobsExec.async(() -> life.live.containsKey(id) ? null : store.get(id).orElse(null))
        .thenCompose(r -> r != null && !r.status().terminal() ? cluster.cancel(r) : cancelHere(id));
  }

  private CompletableFuture<JsonObject> cancelHere(String id) {
    return jobsExec.async(() -> {
      JobState st = life.live.get(id);
      if (st == null) {
        JobRecord r = store.get(id).orElseThrow(() -> new Rejection.NotFound("job '" + id + "'").toException());
        if (r.status() == JobStatus.CANCELED) {
          return views.of(r);
        }
        throw new Rejection.Conflict("job '" + id + "' already " + r.status().wire()).toException();
      }
      if (st.record.status() == JobStatus.QUEUED) {
        life.queue.remove(id);
        life.cancel(st, null);
        dispatcher.dispatch();
        return views.of(st);
      }
      if (st.engineJob != null) {
        st.engineJob.cancel();
      }
      return null;
    }).thenCompose(j -> {
      if (j != null) {
        return CompletableFuture.completedFuture(j);
      }
      JobState st = life.live.get(id);
      if (st == null) { // finished in between
        return jobsExec.async(() -> views.of(store.get(id).orElseThrow()));
      }
      return st.done.copy().completeOnTimeout(null, 5, TimeUnit.SECONDS)
          .thenApply(done -> done != null ? done : views.of(st));
    });
  }
}
