package dev.dpm.server;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Starts a real server on a free port and talks to it over real HTTP and WebSocket. */
public final class Harness implements AutoCloseable {
  public final DpmServer server;
  public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  public final String base;

  public Harness(Path data, List<ServedModel> models, Consumer<ServerConfig.Builder> tweak) throws Exception {
    ServerConfig.Builder b = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(data)
        .progressIntervalMs(0).previewIntervalMs(0).shutdownGraceSeconds(0);
    if (tweak != null) {
      tweak.accept(b);
    }
    server = DpmServer.start(b.build(), new ModelRegistry(models), Toys.FACTORY);
    if (!server.awaitReady(20_000)) {
      throw new IllegalStateException("not ready");
    }
    base = "http://127.0.0.1:" + server.port();
  }

  /** Wraps a server started elsewhere (waits until it is ready). */
  public Harness(DpmServer server) throws Exception {
    this.server = server;
    if (!server.awaitReady(60_000)) {
      server.close();
      throw new IllegalStateException("not ready");
    }
    base = "http://127.0.0.1:" + server.port();
  }

  public HttpResponse<byte[]> send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    boolean hasType = false;
    for (int i = 0; i < headers.length; i += 2) {
      rb.header(headers[i], headers[i + 1]);
      hasType |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (body != null && !hasType) {
      rb.header("Content-Type", "application/json");
    }
    rb.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  public JsonObject json(HttpResponse<byte[]> r) {
    return new JsonObject(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
  }

  public JsonObject submit(String body) throws Exception {
    HttpResponse<byte[]> r = send("POST", "/v1/jobs", body);
    if (r.statusCode() != 202) {
      throw new AssertionError("submit: " + r.statusCode() + " " + new String(r.body()));
    }
    return json(r);
  }

  public JsonObject job(String id) throws Exception {
    return json(send("GET", "/v1/jobs/" + id, null));
  }

  /** Polls until the job is terminal. */
  public JsonObject await(String id, long timeoutMs) throws Exception {
    long until = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < until) {
      JsonObject j = job(id);
      String s = j.getString("status");
      if (s.equals("succeeded") || s.equals("failed") || s.equals("canceled")) {
        return j;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("job " + id + " not finished: " + job(id).encode());
  }

  /** Downloads the npy result and decodes it to [n][d] (headers: name, value pairs, e.g. Authorization). */
  public float[][] npy(String id, int n, int d, String... headers) throws Exception {
    HttpResponse<byte[]> r = send("GET", "/v1/jobs/" + id + "/result?format=npy", null, headers);
    if (r.statusCode() != 200) {
      throw new AssertionError("npy: " + r.statusCode() + " " + new String(r.body()));
    }
    byte[] b = r.body();
    int hl = (b[8] & 0xFF) | ((b[9] & 0xFF) << 8);
    ByteBuffer buf = ByteBuffer.wrap(b, 10 + hl, b.length - 10 - hl).order(ByteOrder.LITTLE_ENDIAN);
    float[][] out = new float[n][d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        out[i][j] = buf.getFloat();
      }
    }
    if (buf.hasRemaining()) {
      throw new AssertionError("npy has extra bytes");
    }
    return out;
  }

  /** A WebSocket client collecting JSON events. */
  public static final class Ws implements WebSocket.Listener {
    public final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
    public final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    public WebSocket socket;

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        events.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }

    public JsonObject next(long ms) throws InterruptedException {
      JsonObject e = events.poll(ms, TimeUnit.MILLISECONDS);
      if (e == null) {
        throw new AssertionError("no event within " + ms + " ms");
      }
      return e;
    }
  }

  public Ws ws(String path) throws Exception {
    Ws l = new Ws();
    l.socket = http.newWebSocketBuilder().buildAsync(URI.create(base.replace("http", "ws") + path), l)
        .get(10, TimeUnit.SECONDS);
    return l;
  }

  @Override
  public void close() {
    server.close();
  }
}
