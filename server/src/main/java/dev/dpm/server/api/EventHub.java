package dev.dpm.server.api;

import dev.dpm.server.jobs.EventSink;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fans job events out to WebSocket subscribers. All state lives on one Vert.x context: publishers
 * (engine, job threads) only enqueue with {@code runOnContext}, so they never block.
 *
 * <p>Per job it keeps the last {@value #RING} events, of which at most one preview (the latest:
 * older previews are superseded), which lets a reconnecting subscriber ({@code ?after=SEQ}) be
 * replayed what it missed in seq order, the current preview included; when the buffer no longer
 * reaches back that far, the subscriber gets one event describing the current state instead,
 * followed by the buffered events newer than it.
 *
 * <p>Slow consumers: while a socket's write queue is full, progress events are coalesced (only
 * the latest per job is kept and sent on drain), previews are dropped, and other events are
 * queued (they are few). A socket that stays full for {@value #STALL_MS} ms is closed (1013).
 */
public final class EventHub implements EventSink {
  static final int RING = 64;
  static final long STALL_MS = 30_000;
  private static final int MAX_JOBS = 4096;

  private final Vertx vertx;
  private final Context context;
  private final Map<String, ArrayDeque<JsonObject>> rings = new LinkedHashMap<>(16, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<JsonObject>> e) {
      return size() > MAX_JOBS;
    }
  };
  private final Map<String, List<Sub>> byJob = new HashMap<>();
  private final List<Sub> all = new ArrayList<>();
  private final Map<String, String> tenants = new LinkedHashMap<>(16, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> e) {
      return size() > MAX_JOBS;
    }
  };
  private java.util.function.Function<String, String> tenantOf = id -> null;

  /** One subscriber socket. */
  private final class Sub {
    final ServerWebSocket ws;
    final String jobId; // null = all jobs
    String tenant; // all-jobs sockets of a tenant: only its jobs (null = every job)
    final Map<String, Long> lastSent = new HashMap<>();
    final Map<String, JsonObject> pending = new LinkedHashMap<>();
    long fullSince;
    boolean closed;

    Sub(ServerWebSocket ws, String jobId) {
      this.ws = ws;
      this.jobId = jobId;
    }
  }

  /**
   * @param vertx the Vert.x instance
   */
  public EventHub(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
  }

  @Override
  public void publish(String jobId, JsonObject event, boolean terminal) {
    context.runOnContext(v -> deliver(jobId, event, terminal));
  }

  private void deliver(String jobId, JsonObject event, boolean terminal) {
    ArrayDeque<JsonObject> ring = rings.computeIfAbsent(jobId, k -> new ArrayDeque<>());
    if ("preview".equals(event.getString("type"))) {
      ring.removeIf(e -> "preview".equals(e.getString("type"))); // only the latest preview is kept
    }
    ring.addLast(event);
    if (ring.size() > RING) {
      ring.removeFirst();
    }
    List<Sub> subs = byJob.get(jobId);
    if (subs != null) {
      for (Sub s : List.copyOf(subs)) {
        send(s, jobId, event, terminal);
      }
    }
    String owner = null;
    boolean looked = false;
    for (Sub s : List.copyOf(all)) {
      if (s.tenant != null) {
        if (!looked) {
          owner = tenants.computeIfAbsent(jobId, tenantOf);
          looked = true;
        }
        if (!s.tenant.equals(owner)) {
          continue;
        }
      }
      send(s, jobId, event, terminal);
    }
  }

  /**
   * Sets how the all-jobs stream finds a job's tenant (the job service's records); looked up once per job.
   *
   * @param lookup job id to tenant (null when the job has none)
   */
  public void tenantLookup(java.util.function.Function<String, String> lookup) {
    this.tenantOf = lookup;
  }

  /**
   * Subscribes a socket to one job. {@code state} is the job's current state event from the job
   * service, read just before; the catch-up rules are in the class comment.
   *
   * @param ws the accepted socket
   * @param jobId the job
   * @param after last seq the client saw, or null
   * @param state current state event ({@code seq}, {@code type}, {@code job})
   */
  public void subscribe(ServerWebSocket ws, String jobId, Long after, JsonObject state) {
    context.runOnContext(v -> {
      Sub s = new Sub(ws, jobId);
      ws.setWriteQueueMaxSize(256 * 1024);
      ws.closeHandler(x -> context.runOnContext(y -> remove(s)));
      ws.exceptionHandler(x -> ws.close());
      ws.textMessageHandler(x -> { }); // the stream is one-way; ignore client messages
      byJob.computeIfAbsent(jobId, k -> new ArrayList<>()).add(s);
      ArrayDeque<JsonObject> ring = rings.get(jobId);
      boolean replayed = false;
      if (after != null && ring != null && !ring.isEmpty()
          && ring.peekFirst().getLong("seq") <= after + 1) {
        for (JsonObject e : List.copyOf(ring)) {
          if (e.getLong("seq") > after) {
            send(s, jobId, e, isTerminal(e), true);
          }
        }
        replayed = true;
        if (!s.closed && isTerminal(ring.peekLast())) {
          close(s, (short) 1000, "job finished"); // the client has already seen the end
        }
      }
      if (!replayed) {
        long stateSeq = state.getLong("seq");
        if (after == null || stateSeq > after) {
          send(s, jobId, state, isTerminal(state));
        } else if (isTerminal(state)) {
          close(s, (short) 1000, "job finished");
        }
        if (ring != null && !s.closed) {
          for (JsonObject e : List.copyOf(ring)) {
            if (e.getLong("seq") > stateSeq) {
              send(s, jobId, e, isTerminal(e), true);
            }
          }
        }
      }
    });
  }

  /**
   * Subscribes a socket to every job's live events.
   *
   * @param ws the accepted socket
   */
  public void subscribeAll(ServerWebSocket ws) {
    subscribeAll(ws, null);
  }

  /**
   * Subscribes a socket to the live events of one tenant's jobs.
   *
   * @param ws the accepted socket
   * @param tenant the tenant (null: every job)
   */
  public void subscribeAll(ServerWebSocket ws, String tenant) {
    context.runOnContext(v -> {
      Sub s = new Sub(ws, null);
      s.tenant = tenant;
      ws.setWriteQueueMaxSize(256 * 1024);
      ws.closeHandler(x -> context.runOnContext(y -> remove(s)));
      ws.exceptionHandler(x -> ws.close());
      ws.textMessageHandler(x -> { });
      all.add(s);
    });
  }

  /**
   * Closes every socket (1001, going away) — graceful shutdown.
   *
   * @return when done
   */
  public io.vertx.core.Future<Void> closeAll() {
    io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      List<Sub> subs = new ArrayList<>(all);
      byJob.values().forEach(subs::addAll);
      for (Sub s : subs) {
        close(s, (short) 1001, "server shutting down");
      }
      p.complete();
    });
    return p.future();
  }

  /** @return the number of open subscriber sockets (metrics, tests) */
  public int subscriberCount() {
    int n = all.size();
    for (List<Sub> l : byJob.values()) {
      n += l.size();
    }
    return n;
  }

  private static boolean isTerminal(JsonObject e) {
    String t = e.getString("type");
    return "succeeded".equals(t) || "failed".equals(t) || "canceled".equals(t);
  }

  private void send(Sub s, String jobId, JsonObject e, boolean terminal) {
    send(s, jobId, e, terminal, false);
  }

  /**
   * @param replay whether e is replayed from the ring on subscribe: a replayed preview is the job's
   *     only (latest) one and is queued rather than dropped while the new socket's queue is full
   */
  private void send(Sub s, String jobId, JsonObject e, boolean terminal, boolean replay) {
    if (s.closed) {
      return;
    }
    long seq = e.getLong("seq");
    if (seq <= s.lastSent.getOrDefault(jobId, -1L)) {
      return;
    }
    String type = e.getString("type");
    if (s.ws.writeQueueFull()) {
      long now = System.currentTimeMillis();
      if (s.fullSince == 0) {
        s.fullSince = now;
        s.ws.drainHandler(v -> context.runOnContext(y -> drain(s)));
      } else if (now - s.fullSince > STALL_MS) {
        close(s, (short) 1013, "consumer too slow");
        return;
      }
      if ("progress".equals(type)) {
        s.pending.put(jobId, e);
        return;
      }
      if ("preview".equals(type) && !replay) {
        return;
      }
    }
    JsonObject held = s.pending.get(jobId);
    if (held != null && held.getLong("seq") < seq) {
      s.pending.remove(jobId); // stale: this event is newer
    }
    s.lastSent.put(jobId, seq);
    s.ws.writeTextMessage(e.encode());
    if (terminal && s.jobId != null) {
      close(s, (short) 1000, "job finished");
    }
  }

  private void drain(Sub s) {
    s.fullSince = 0;
    List<Map.Entry<String, JsonObject>> held = new ArrayList<>(s.pending.entrySet());
    s.pending.clear();
    for (Map.Entry<String, JsonObject> h : held) {
      send(s, h.getKey(), h.getValue(), false);
    }
  }

  private void close(Sub s, short code, String reason) {
    if (s.closed) {
      return;
    }
    s.closed = true;
    remove(s);
    s.ws.close(code, reason);
  }

  private void remove(Sub s) {
    s.closed = true;
    if (s.jobId == null) {
      all.remove(s);
    } else {
      List<Sub> l = byJob.get(s.jobId);
      if (l != null) {
        l.remove(s);
        if (l.isEmpty()) {
          byJob.remove(s.jobId);
        }
      }
    }
  }

  /** @return the Vert.x instance */
  Vertx vertx() {
    return vertx;
  }
}
