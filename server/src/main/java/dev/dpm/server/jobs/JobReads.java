package dev.dpm.server.jobs;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The read side of the {@link JobService}: one job (live state first, then the store, then, in cluster mode, the
 * node holding its lease), the state event a new subscriber starts from, and pages of a tenant's jobs.
 */
final class JobReads {
  private final JobStore store;
  private final Lifecycle life;
  private final JobViews views;
  private final ClusterLink cluster; // null on a single node

  JobReads(JobStore store, Lifecycle life, JobViews views, ClusterLink cluster) {
    this.store = store;
    this.life = life;
    this.views = views;
    this.cluster = cluster;
  }

  /**
   * @param id job id
   * @return the job JSON
   * @throws RejectedException with {@link Rejection.NotFound}
   * @throws SQLException on store failure
   */
  JsonObject get(String id) throws SQLException {
    JobState st = life.live.get(id);
    if (st != null) {
      return views.of(st);
    }
    JobRecord r = store.get(id).orElseThrow(() -> notFound(id));
    if (cluster != null && !r.status().terminal()) {
      Optional<JsonObject> there = cluster.stateEvent(r);
      if (there.isPresent() && there.get().getJsonObject("job") != null) {
        return there.get().getJsonObject("job");
      }
    }
    return views.of(r);
  }

  /**
   * The current state for a subscriber: the job, its latest seq, and the event type that describes it.
   *
   * @param id job id
   * @return {@code {seq, type, job}}, or empty if no such job
   * @throws SQLException on store failure
   */
  Optional<JsonObject> stateEvent(String id) throws SQLException {
    JobState st = life.live.get(id);
    if (st != null) {
      synchronized (st) {
        JsonObject job = views.of(st);
        String type = switch (st.record.status()) {
          case QUEUED -> "queued";
          case RUNNING -> "progress";
          default -> st.record.status().wire();
        };
        JsonObject e = new JsonObject().put("seq", st.seq).put("jobId", id).put("type", type).put("job", job);
        if (type.equals("progress")) {
          e.mergeIn(JobViews.progress(st));
        }
        if (type.equals("queued")) {
          e.put("position", Math.max(0, st.position));
        }
        return Optional.of(e);
      }
    }
    Optional<JobRecord> r = store.get(id);
    if (r.isEmpty()) {
      return Optional.empty();
    }
    JobRecord rec = r.get();
    if (cluster != null && !rec.status().terminal()) {
      Optional<JsonObject> there = cluster.stateEvent(rec);
      if (there.isPresent()) {
        return there;
      }
    }
    // a job still running elsewhere whose holder did not answer: a seq below what its holder may still send (the
    // events since its last reservation), so that the socket does not drop them as old
    long seq = cluster != null && !rec.status().terminal() ? Math.max(0, rec.seqReserved() - Lifecycle.SEQ_BLOCK)
        : rec.seqReserved();
    JsonObject e = new JsonObject().put("seq", seq).put("jobId", id)
        .put("type", rec.status().terminal() ? rec.status().wire()
            : rec.status() == JobStatus.RUNNING ? "started" : "queued").put("job", views.of(rec));
    if (rec.status() == JobStatus.FAILED) {
      e.put("error", new JsonObject().put("code", rec.errorCode()).put("message", rec.errorMessage()));
    }
    return Optional.of(e);
  }

  /**
   * A page of one tenant's jobs, newest first.
   * @param status filter or null
   * @param limit page size
   * @param cursor cursor or null
   * @param tenant only this tenant's jobs (null = all: a server without API keys)
   * @return the page
   * @throws SQLException on store failure
   */
  JobService.Page list(JobStatus status, int limit, String cursor, String tenant) throws SQLException {
    Long afterCreated = null;
    String afterId = null;
    if (cursor != null) {
      try {
        String s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        int colon = s.indexOf(':');
        afterCreated = Long.parseLong(s.substring(0, colon));
        afterId = s.substring(colon + 1);
      } catch (RuntimeException e) {
        throw Rejection.Invalid.of("cursor", "not a cursor returned by this server").toException();
      }
    }
    List<JobRecord> rows = store.page(status, limit + 1, afterCreated, afterId, tenant);
    List<JsonObject> items = new ArrayList<>();
    for (int i = 0; i < Math.min(limit, rows.size()); i++) {
      JobState st = life.live.get(rows.get(i).id());
      items.add(st != null ? views.of(st) : views.of(rows.get(i)));
    }
    String next = null;
    if (rows.size() > limit) {
      JobRecord last = rows.get(limit - 1);
      next = Base64.getUrlEncoder().withoutPadding().encodeToString(
          (last.createdAt().toEpochMilli() + ":" + last.id()).getBytes(StandardCharsets.UTF_8));
    }
    return new JobService.Page(items, next);
  }

  private static RejectedException notFound(String id) {
    return new Rejection.NotFound("job '" + id + "'").toException();
  }
}
