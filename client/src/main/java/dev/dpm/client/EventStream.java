package dev.dpm.client;

import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One event subscription over the JDK WebSocket client: connects, parses each text frame as a
 * {@link JobEvent}, drops events already delivered (by {@code seq}), and when the socket drops
 * before the terminal event reconnects with {@code ?after=<last seq>} after a backoff, so the
 * server replays what was missed (or sends the current state). For {@code /v1/events} (every
 * job), {@code seq} is tracked per job and reconnects resume live.
 *
 * <p>A heartbeat pings the server every {@code pingInterval}; a connection that has not been heard
 * from (no message, no pong) for two intervals is treated as dropped. This catches connections
 * that die silently (a peer gone without a close frame or a FIN the JDK client does not report).
 */
final class EventStream implements EventSubscription {
  private static final System.Logger LOG = System.getLogger("dev.dpm.client");

  private final Transport transport;
  private final String jobId; // null: every job's events
  private final JobEventListener listener;
  private final RetryPolicy reconnect;
  private final Duration connectTimeout;
  private final Duration pingInterval;
  private final Runnable onEnd;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Object lock = new Object();
  private final Object dispatch = new Object();

  // guarded by lock
  private long lastSeq;
  private final Map<String, Long> lastSeqByJob = new HashMap<>();
  private boolean closed;
  private Connection current;
  private int failures;
  private int connections;

  EventStream(Transport transport, String jobId, long after, JobEventListener listener, RetryPolicy reconnect,
      Duration connectTimeout, Duration pingInterval, Runnable onEnd) {
    this.transport = transport;
    this.jobId = jobId;
    this.lastSeq = after;
    this.listener = listener;
    this.reconnect = reconnect;
    this.connectTimeout = connectTimeout;
    this.pingInterval = pingInterval;
    this.onEnd = onEnd;
  }

  EventStream start() {
    connect();
    return this;
  }

  @Override
  public CompletableFuture<Void> done() {
    return done;
  }

  @Override
  public long lastSeq() {
    synchronized (lock) {
      return lastSeq;
    }
  }

  @Override
  public int connections() {
    synchronized (lock) {
      return connections;
    }
  }

  @Override
  public void close() {
    end(null, true);
  }

  URI uri(long after) {
    String base = transport.baseUri().toString().replaceFirst("^http", "ws");
    String path = jobId == null ? "/v1/events" : "/v1/jobs/" + Transport.seg(jobId) + "/events";
    return URI.create(base + path + (jobId != null && after >= 0 ? "?after=" + after : ""));
  }

  private void connect() {
    Connection c = new Connection();
    long after;
    synchronized (lock) {
      if (closed) {
        return;
      }
      current = c;
      connections++;
      after = lastSeq;
    }
    WebSocket.Builder b = transport.http().newWebSocketBuilder().connectTimeout(connectTimeout);
    transport.headers().forEach(b::header);
    URI uri = uri(after);
    LOG.log(System.Logger.Level.DEBUG, () -> "connecting " + uri);
    b.buildAsync(uri, c).whenComplete((ws, err) -> {
      if (err != null) {
        dropped(c, Transport.unwrap(err));
        return;
      }
      boolean abort;
      synchronized (lock) {
        c.ws = ws;
        abort = closed || current != c;
      }
      if (abort) {
        ws.abort();
      } else {
        heartbeat(c);
      }
    });
  }

  /** Pings every interval; drops a connection not heard from for two intervals. */
  private void heartbeat(Connection c) {
    CompletableFuture.runAsync(() -> {
      synchronized (lock) {
        if (closed || c != current) {
          return;
        }
      }
      WebSocket ws = c.ws;
      if (System.nanoTime() - c.lastHeard > 2 * pingInterval.toNanos()) {
        ws.abort();
        dropped(c, new java.io.IOException("no message or pong for " + pingInterval.multipliedBy(2).toMillis() + " ms"));
        return;
      }
      ws.sendPing(ByteBuffer.allocate(0)).whenComplete((x, err) -> {
        if (err != null) {
          ws.abort();
          dropped(c, Transport.unwrap(err));
        }
      });
      heartbeat(c);
    }, transport.delayed(pingInterval));
  }

  /** A text frame, complete. */
  private void deliver(Connection c, String text) {
    JobEvent e;
    try {
      e = DpmJson.shared().readValue(text, JobEvent.class);
    } catch (Exception ex) {
      LOG.log(System.Logger.Level.WARNING, "ignoring an unreadable event: " + ex.getMessage());
      return;
    }
    synchronized (lock) {
      if (closed || c != current) {
        return;
      }
      if (jobId != null) {
        if (e.jobId() != null && !jobId.equals(e.jobId())) {
          return;
        }
        if (e.seq() <= lastSeq) {
          return; // already delivered
        }
        lastSeq = e.seq();
      } else {
        Long seen = lastSeqByJob.get(e.jobId());
        if (seen != null && e.seq() <= seen) {
          return;
        }
        lastSeqByJob.put(e.jobId(), e.seq());
        lastSeq = Math.max(lastSeq, e.seq());
      }
      failures = 0;
    }
    synchronized (dispatch) {
      try {
        listener.onEvent(e);
      } catch (RuntimeException ex) {
        LOG.log(System.Logger.Level.WARNING, "event listener threw on " + e.type() + " #" + e.seq(), ex);
      }
    }
    if (jobId != null && e.isTerminal()) {
      end(null, true);
    }
  }

  /** The socket closed or failed, or the handshake failed. */
  private void dropped(Connection c, Throwable cause) {
    int attempt;
    synchronized (lock) {
      if (closed || c != current) {
        return;
      }
      current = null;
      attempt = ++failures;
    }
    DpmException fatal = fatal(cause);
    if (fatal != null) {
      end(fatal, false);
      return;
    }
    Duration retryAfter = null;
    if (cause instanceof WebSocketHandshakeException h) {
      retryAfter = Transport.parseRetryAfter(h.getResponse().headers().firstValue("Retry-After"));
    }
    Duration delay = attempt < reconnect.maxAttempts()
        ? reconnect.delay(attempt, retryAfter, ThreadLocalRandom.current()::nextDouble) : null;
    if (delay == null) {
      end(new DpmIoException("event stream " + uri(-1) + " lost after " + attempt + " attempt(s)"
          + (cause == null ? "" : ": " + cause), cause), false);
      return;
    }
    LOG.log(System.Logger.Level.DEBUG, () -> "event stream dropped (" + cause + "); reconnecting in "
        + delay.toMillis() + " ms");
    CompletableFuture.runAsync(this::connect, transport.delayed(delay));
  }

  /** A handshake refused with a status that retrying cannot fix (404, 400, 401, ...). */
  private static DpmException fatal(Throwable cause) {
    if (cause instanceof WebSocketHandshakeException h) {
      int st = h.getResponse().statusCode();
      if (st >= 400 && st < 500 && st != 408 && st != 429) {
        Object body = h.getResponse().body(); // the JDK may or may not keep it
        byte[] bytes = null;
        if (body instanceof byte[] b) {
          bytes = b;
        } else if (body instanceof String s) {
          bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return Transport.fromStatus(st, h.getResponse().headers(), bytes);
      }
    }
    return null;
  }

  /**
   * Ends the subscription once.
   *
   * @param error null for a normal end
   * @param polite send a close frame rather than abort
   */
  private void end(DpmException error, boolean polite) {
    WebSocket ws;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      ws = current == null ? null : current.ws;
      current = null;
    }
    if (ws != null) {
      if (polite && !ws.isOutputClosed()) {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((x, e) -> ws.abort());
      } else {
        ws.abort();
      }
    }
    if (error != null) {
      synchronized (dispatch) {
        try {
          listener.onError(error);
        } catch (RuntimeException ex) {
          LOG.log(System.Logger.Level.WARNING, "event listener threw in onError", ex);
        }
      }
      done.completeExceptionally(error);
    } else {
      done.complete(null);
    }
    onEnd.run();
  }

  /** The listener of one WebSocket connection; callbacks of a stale connection are ignored. */
  private final class Connection implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();
    volatile WebSocket ws;
    volatile long lastHeard = System.nanoTime();

    @Override
    public void onOpen(WebSocket webSocket) {
      ws = webSocket;
      lastHeard = System.nanoTime();
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
      lastHeard = System.nanoTime();
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
      lastHeard = System.nanoTime();
      webSocket.request(1); // the JDK answers with a pong by itself
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      lastHeard = System.nanoTime();
      text.append(data);
      if (last) {
        String s = text.toString();
        text.setLength(0);
        deliver(this, s);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      webSocket.request(1); // the protocol has no binary frames; ignore
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      LOG.log(System.Logger.Level.DEBUG, () -> "event socket closed by the server: " + statusCode + " " + reason);
      dropped(this, null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      dropped(this, error);
    }
  }
}
