package dev.dpm.server.jobs;

import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable lifecycle of jobs: queued → running → succeeded | failed | canceled, each change committed to the
 * {@link JobStore} before its event is published, and the event sequence numbers (reserved in blocks in the store,
 * so a restart never reuses one). Holds the jobs not finished ({@link #live}) and the FIFO queue.
 */
final class Lifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);
  static final long SEQ_BLOCK = 1000;

  private final JobStore store;
  private final EventSink events;
  private final JobViews views;
  private final Consumer<ServedModel> released;
  final Map<String, JobState> live = new ConcurrentHashMap<>();
  final LinkedHashMap<String, JobState> queue = new LinkedHashMap<>(); // dpm-jobs only
  final Map<JobStatus, Long> statusCounts = new ConcurrentHashMap<>();

  /**
   * @param store the job table
   * @param events where events go
   * @param views the job JSON
   * @param released hears each model version a finished job returned its lease to (dpm-jobs thread)
   */
  Lifecycle(JobStore store, EventSink events, JobViews views, Consumer<ServedModel> released) {
    this.store = store;
    this.events = events;
    this.views = views;
    this.released = released;
    for (JobStatus s : JobStatus.values()) {
      statusCounts.put(s, 0L);
    }
  }

  JobViews views() {
    return views;
  }

  /** Commits the next record of a job (keeping its reserved seq). */
  void persist(JobState st, JobRecord next) throws SQLException {
    synchronized (st) {
      if (st.abandoned) {
        throw new SQLException("job " + st.id() + " was taken over by another node");
      }
      JobRecord withSeq = next.withSeqReserved(st.record.seqReserved());
      store.update(withSeq);
      st.record = withSeq;
    }
  }

  /** Assigns the next seq (reserving a block in the store when needed) and publishes. */
  void emit(JobState st, String type, JsonObject fields, boolean terminal) {
    synchronized (st) {
      if (st.terminalEmitted) {
        return;
      }
      long seq = ++st.seq;
      if (seq > st.record.seqReserved()) {
        JobRecord r = st.record.withSeqReserved(seq + SEQ_BLOCK);
        try {
          store.update(r);
          st.record = r;
        } catch (SQLException e) {
          LOG.error("event=seq-reserve-failed job={} error={}", r.id(), e.toString());
        }
      }
      if (terminal) {
        st.terminalEmitted = true;
      }
      JsonObject e = new JsonObject().put("seq", seq).put("jobId", st.id()).put("type", type);
      e.mergeIn(fields);
      events.publish(st.id(), e, terminal);
    }
  }

  /** Announces a queued job with its position. */
  void emitQueued(JobState st) {
    emit(st, "queued", new JsonObject().put("position", Math.max(0, st.position)).put("job", views.of(st)), false);
  }

  /** Fails a job (unless already terminal): committed, then its terminal event. */
  void fail(JobState st, String code, String message) {
    try {
      JobRecord r = st.record;
      if (r.status().terminal()) {
        return;
      }
      persist(st, r.transition(JobStatus.FAILED, r.startedAt(), Instant.now(), code, message, st.step, st.total, st.nfe));
      terminal(st, "failed", new JsonObject().put("code", code).put("message", message));
    } catch (SQLException e) {
      LOG.error("event=job-persist-failed job={} error={}", st.id(), e.toString());
    }
  }

  void fail(JobState st, FailureCode code, String message) {
    fail(st, code.wire(), message);
  }

  /** Cancels a job: committed, then its terminal event. */
  void cancel(JobState st, Integer startedStep) throws SQLException {
    JobRecord r = st.record;
    if (startedStep == null) {
      persist(st, r.transition(JobStatus.CANCELED, null, Instant.now(), FailureCode.CANCELED.wire(),
          "canceled by request", 0, r.progressTotal(), 0));
    } else {
      persist(st, r.transition(JobStatus.CANCELED, r.startedAt(), Instant.now(), FailureCode.CANCELED.wire(),
          "canceled by request", st.step, st.total, st.nfe));
    }
    terminal(st, "canceled", null);
  }

  /** Removes a finished job from memory, returns its model lease and publishes its terminal event. */
  void terminal(JobState st, String type, JsonObject error) {
    live.remove(st.id());
    queue.remove(st.id());
    ServedModel m = st.releaseLease();
    if (m != null) {
      released.accept(m);
    }
    refreshCounts();
    JsonObject job = views.of(st);
    JsonObject fields = new JsonObject().put("job", job);
    if (error != null) {
      fields.put("error", error);
    }
    emit(st, type, fields, true);
    st.done.complete(job);
  }

  void refreshCounts() {
    try {
      statusCounts.putAll(store.countByStatus());
    } catch (SQLException e) {
      LOG.warn("event=count-failed error={}", e.toString());
    }
  }

  int queuedCount() {
    int q = 0;
    for (JobState s : live.values()) {
      if (s.record.status() == JobStatus.QUEUED) {
        q++;
      }
    }
    return q;
  }
}
