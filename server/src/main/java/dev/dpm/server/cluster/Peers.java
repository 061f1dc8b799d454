package dev.dpm.server.cluster;

import dev.dpm.server.jobs.ClusterLink;
import dev.dpm.server.jobs.EventSink;
import dev.dpm.server.jobs.JobRecord;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.jobs.JobStatus;
import dev.dpm.server.jobs.RejectedException;
import dev.dpm.server.jobs.Rejection;
import dev.dpm.server.store.pg.PgJobStore;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterLink} of a node: a job that is not live here is read from, and canceled on, the node whose lease
 * holds it, by request and reply on that node's bus addresses ({@code dpm.node.ID.state}, {@code dpm.node.ID.cancel});
 * a job that no node holds is canceled in the store directly (one conditional update). Every node answers its own
 * addresses from its job service.
 */
final class Peers implements ClusterLink {
  private static final Logger LOG = LoggerFactory.getLogger(Peers.class);
  static final long STATE_TIMEOUT_MS = 3000;
  static final long CANCEL_TIMEOUT_MS = 10_000;
  private final Vertx vertx;
  private final PgJobStore store;
  private final EventSink events;
  private final boolean runsJobs;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private volatile JobService jobs;

  Peers(Vertx vertx, PgJobStore store, EventSink events, boolean runsJobs) {
    this.vertx = vertx;
    this.store = store;
    this.events = events;
    this.runsJobs = runsJobs;
  }

  static String stateAddress(String node) {
    return "dpm.node." + node + ".state";
  }

  static String cancelAddress(String node) {
    return "dpm.node." + node + ".cancel";
  }

  /** Answers this node's addresses from its job service. */
  void serve(JobService service) {
    this.jobs = service;
    consumers.add(vertx.eventBus().<String>consumer(stateAddress(store.node()), m ->
        vertx.executeBlocking(() -> service.stateEvent(m.body()).orElse(new JsonObject()), false)
            .onComplete(ar -> {
              if (ar.succeeded()) {
                m.reply(ar.result());
              } else {
                m.fail(500, ar.cause().toString());
              }
            })));
    consumers.add(vertx.eventBus().<String>consumer(cancelAddress(store.node()), m ->
        service.cancel(m.body()).whenComplete((job, t) -> {
          Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
          if (c == null) {
            m.reply(job);
          } else if (c instanceof RejectedException r && r.rejection() instanceof Rejection.Conflict conflict) {
            m.fail(409, conflict.detail());
          } else if (c instanceof RejectedException r && r.rejection() instanceof Rejection.NotFound nf) {
            m.fail(404, nf.what());
          } else {
            m.fail(500, c.toString());
          }
        })));
  }

  /** @return completes once this node's addresses are known to the cluster */
  io.vertx.core.Future<Void> registered() {
    List<io.vertx.core.Future<Void>> fs = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) {
      fs.add(c.completion());
    }
    return io.vertx.core.Future.all(fs).mapEmpty();
  }

  @Override
  public boolean runsJobs() {
    return runsJobs;
  }

  @Override
  public CompletableFuture<JsonObject> cancel(JobRecord record) {
    String id = record.id();
    try {
      Optional<String> holder = store.holder(id);
      if (holder.isEmpty()) {
        Optional<JobRecord> canceled = store.cancelUnheld(id, Instant.now());
        if (canceled.isPresent()) {
          JsonObject job = jobs.view(canceled.get());
          events.publish(id, new JsonObject().put("seq", canceled.get().seqReserved()).put("jobId", id)
              .put("type", "canceled").put("job", job), true);
          LOG.info("event=job-canceled job={} where=store", id);
          return CompletableFuture.completedFuture(job);
        }
        holder = store.holder(id); // claimed in between, or finished
      }
      if (holder.isEmpty() || holder.get().equals(store.node())) {
        JobRecord now = store.get(id).orElseThrow(() -> new Rejection.NotFound("job '" + id + "'").toException());
        if (now.status() == JobStatus.CANCELED) {
          return CompletableFuture.completedFuture(jobs.view(now));
        }
        throw new Rejection.Conflict(now.status().terminal() ? "job '" + id + "' already " + now.status().wire()
            : "job '" + id + "' is changing hands between workers; retry").toException();
      }
      String node = holder.get();
      return vertx.eventBus().<JsonObject>request(cancelAddress(node), id,
              new DeliveryOptions().setSendTimeout(CANCEL_TIMEOUT_MS))
          .toCompletionStage().toCompletableFuture()
          .handle((m, t) -> {
            if (t == null) {
              return m.body();
            }
            if (t instanceof ReplyException re && re.failureCode() == 409) {
              throw new Rejection.Conflict(re.getMessage()).toException();
            }
            if (t instanceof ReplyException re && re.failureCode() == 404) {
              throw new Rejection.NotFound(re.getMessage()).toException();
            }
            LOG.warn("event=cancel-forward-failed job={} node={} error={}", id, node, t.toString());
            try {
              return jobs.view(store.get(id).orElseThrow());
            } catch (SQLException e) {
              throw new CompletionException(e);
            }
          });
    } catch (SQLException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RejectedException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Optional<JsonObject> stateEvent(JobRecord record) {
    try {
      Optional<String> holder = store.holder(record.id());
      if (holder.isEmpty() || holder.get().equals(store.node())) {
        return Optional.empty();
      }
      JsonObject body = vertx.eventBus().<JsonObject>request(stateAddress(holder.get()), record.id(),
              new DeliveryOptions().setSendTimeout(STATE_TIMEOUT_MS))
          .toCompletionStage().toCompletableFuture().get(STATE_TIMEOUT_MS + 500, TimeUnit.MILLISECONDS).body();
      return body == null || body.isEmpty() ? Optional.empty() : Optional.of(body);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.debug("event=state-forward-failed job={} error={}", record.id(), e.toString());
      return Optional.empty();
    }
  }
}
