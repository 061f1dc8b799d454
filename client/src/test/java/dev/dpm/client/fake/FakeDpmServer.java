package dev.dpm.client.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * An in-memory imitation of DPM Server's HTTP and WebSocket API as {@code openapi.yaml} describes
 * it, with knobs to misbehave: answer 429 with Retry-After, drop a submit's response after
 * recording the job, drop event sockets, replay events it was told not to. Jobs do not run by
 * themselves unless {@link #autoRun} is set; tests move them with {@link #start}, {@link #progress},
 * {@link #succeed}, {@link #fail}. JSON is written by hand here (not with the SDK's records) so the
 * SDK's decoding is tested against independent bytes.
 */
public final class FakeDpmServer implements AutoCloseable {
  /** The N of every fake model. */
  public static final int N = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final MiniHttpServer http;
  private final Map<String, FakeJob> jobs = new LinkedHashMap<>();
  private final Map<String, String> jobByKey = new LinkedHashMap<>();
  private final Map<String, String> bodyByKey = new LinkedHashMap<>();
  private final List<MiniHttpServer.WebSocket> allSubscribers = new CopyOnWriteArrayList<>();
  private int nextId = 1;

  /** Every request seen, as "METHOD path?query". */
  public final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  /** Idempotency-Key of every POST /v1/jobs seen, in order. */
  public final List<String> submitKeys = Collections.synchronizedList(new ArrayList<>());
  /** Every WebSocket upgrade's query string ("" when none), in order. */
  public final List<String> eventConnects = Collections.synchronizedList(new ArrayList<>());
  /** The next this many POST /v1/jobs answer 429. */
  public final AtomicInteger rateLimitNext = new AtomicInteger();
  /** The Retry-After (seconds) of those 429s. */
  public volatile int retryAfterSeconds = 1;
  /** The next this many GET /v1/jobs/{id} answer 503 (no Retry-After). */
  public final AtomicInteger unavailableNext = new AtomicInteger();
  /** The next this many POST /v1/jobs are processed (the job is created) and then the connection drops. */
  public final AtomicInteger dropNextSubmitResponse = new AtomicInteger();
  /** Replay every event from seq 1 on each connect, ignoring {@code after} (the client must dedupe). */
  public volatile boolean replayEverything;
  /** Abort each job's event socket right after sending this many live events on it (0: never). */
  public volatile int dropSocketAfterLiveEvents;
  /** Whether {@code /health/ready} says UP. */
  public volatile boolean ready = true;
  /** When positive, jobs run by themselves: this many progress steps, {@link #autoRunDelayMs} apart. */
  public volatile int autoRun;
  /** Delay between auto-run steps. */
  public volatile long autoRunDelayMs = 5;
  /** When set, auto-run jobs fail with this error code instead of succeeding. */
  public volatile String autoRunFailCode;

  /**
   * @throws IOException when the socket cannot be bound
   */
  public FakeDpmServer() throws IOException {
    http = new MiniHttpServer(this::handle);
  }

  /** @return the base URL */
  public URI baseUri() {
    return http.baseUri();
  }

  @Override
  public void close() {
    http.close();
  }

  /** @return the number of jobs created */
  public synchronized int jobCount() {
    return jobs.size();
  }

  /** @param id a job id @return its JSON as the server would send it */
  public synchronized ObjectNode job(String id) {
    return jobs.get(id).json.deepCopy();
  }

  /** @param id a job id @return the seq of its last event */
  public synchronized long lastSeq(String id) {
    return jobs.get(id).seq;
  }

  /**
   * Creates a job directly (as if submitted), queued.
   *
   * @param model the model
   * @param n samples
   * @return the id
   */
  public synchronized String createJob(String model, int n) {
    ObjectNode req = F.objectNode().put("model", model).put("n", n);
    req.set("sampler", F.objectNode().put("name", "ddpm").put("steps", 10));
    return create(req).id;
  }

  // ---- job transitions (emit events) ----

  /** @param id a queued job: starts it */
  public synchronized void start(String id) {
    FakeJob j = jobs.get(id);
    j.json.put("status", "running").put("startedAt", Instant.now().toString()).putNull("queuePosition");
    emit(j, event("started"));
  }

  /**
   * @param id a running job
   * @param step steps done
   * @param total steps in all
   */
  public synchronized void progress(String id, int step, int total) {
    FakeJob j = jobs.get(id);
    ObjectNode p = F.objectNode().put("step", step).put("total", total).put("nfe", step)
        .put("fraction", (double) step / total).put("etaSeconds", 0.01 * (total - step));
    j.json.set("progress", p);
    ObjectNode e = event("progress").put("step", step).put("total", total).put("nfe", step)
        .put("fraction", (double) step / total).put("etaSeconds", 0.01 * (total - step));
    emit(j, e);
  }

  /**
   * @param id a running job
   * @param step the step of the preview
   */
  public synchronized void preview(String id, int step) {
    FakeJob j = jobs.get(id);
    emit(j, event("preview").put("step", step).put("png", java.util.Base64.getEncoder().encodeToString(png(2, 2))));
  }

  /** @param id a running job: succeeds with result links */
  public synchronized void succeed(String id) {
    FakeJob j = jobs.get(id);
    int total = j.json.path("progress").path("total").asInt(10);
    j.json.set("progress", F.objectNode().put("step", total).put("total", total).put("nfe", total)
        .put("fraction", 1.0).put("etaSeconds", 0));
    j.json.put("status", "succeeded").put("finishedAt", Instant.now().toString());
    ObjectNode links = F.objectNode().put("npy", "/v1/jobs/" + id + "/result?format=npy")
        .put("png", "/v1/jobs/" + id + "/result?format=png");
    j.json.set("results", links);
    emit(j, event("succeeded").set("job", j.json.deepCopy()));
  }

  /**
   * @param id a job
   * @param code the error code
   */
  public synchronized void fail(String id, String code) {
    FakeJob j = jobs.get(id);
    ObjectNode err = F.objectNode().put("code", code).put("message", "it went wrong: " + code);
    j.json.put("status", "failed").put("finishedAt", Instant.now().toString()).set("error", err);
    ObjectNode e = event("failed");
    e.set("error", err.deepCopy());
    e.set("job", j.json.deepCopy());
    emit(j, e);
  }

  /** Drops every open event socket abruptly (no close frame), as a network failure would. */
  public synchronized void dropEventSockets() {
    for (FakeJob j : jobs.values()) {
      j.subscribers.forEach(MiniHttpServer.WebSocket::abort);
      j.subscribers.clear();
    }
    allSubscribers.forEach(MiniHttpServer.WebSocket::abort);
    allSubscribers.clear();
  }

  /** @param id a job @return how many sockets follow it now */
  public synchronized int subscribers(String id) {
    return (int) jobs.get(id).subscribers.stream().filter(MiniHttpServer.WebSocket::isOpen).count();
  }

  /** @return how many sockets follow every job now */
  public int allSubscribers() {
    return (int) allSubscribers.stream().filter(MiniHttpServer.WebSocket::isOpen).count();
  }

  // ---- the fake's internals ----

  private static final class FakeJob {
    final String id;
    final ObjectNode json;
    final List<ObjectNode> events = new ArrayList<>();
    final List<MiniHttpServer.WebSocket> subscribers = new ArrayList<>();
    final Map<MiniHttpServer.WebSocket, Integer> liveSent = new LinkedHashMap<>();
    long seq;

    FakeJob(String id, ObjectNode json) {
      this.id = id;
      this.json = json;
    }
  }

  private ObjectNode event(String type) {
    return F.objectNode().put("type", type);
  }

  private void emit(FakeJob j, ObjectNode e) {
    j.seq++;
    ObjectNode full = F.objectNode().put("seq", j.seq).put("jobId", j.id);
    full.setAll(e);
    j.events.add(full);
    String text = full.toString();
    boolean terminal = isTerminal(full.path("type").asText());
    for (MiniHttpServer.WebSocket ws : List.copyOf(j.subscribers)) {
      if (!ws.sendText(text)) {
        j.subscribers.remove(ws);
        continue;
      }
      int sent = j.liveSent.merge(ws, 1, Integer::sum);
      if (terminal) {
        ws.close(1000);
      } else if (dropSocketAfterLiveEvents > 0 && sent >= dropSocketAfterLiveEvents) {
        ws.abort();
        j.subscribers.remove(ws);
      }
    }
    if (terminal) {
      j.subscribers.clear();
    }
    for (MiniHttpServer.WebSocket ws : allSubscribers) {
      if (!ws.sendText(text)) {
        allSubscribers.remove(ws);
      }
    }
  }

  private static boolean isTerminal(String status) {
    return status.equals("succeeded") || status.equals("failed") || status.equals("canceled");
  }

  private FakeJob create(ObjectNode req) {
    String id = "j_" + (nextId++);
    ObjectNode j = F.objectNode();
    j.put("id", id).put("kind", "sample").put("status", "queued").put("model", req.path("model").asText());
    j.putNull("modelSha256");
    ObjectNode sampler = req.has("sampler") ? req.get("sampler").deepCopy() : F.objectNode();
    if (!sampler.has("trajectory") && !sampler.path("name").asText().startsWith("sde")) {
      sampler.put("trajectory", "even");
    }
    if (!sampler.has("clip-sigma2")) {
      sampler.put("clip-sigma2", 0);
    }
    j.set("sampler", sampler);
    j.put("n", req.path("n").asInt(1)).put("seed", req.has("seed") ? req.get("seed").asLong() : 12345L);
    j.set("outputs", req.has("outputs") ? req.get("outputs").deepCopy() : F.arrayNode().add("npy").add("png"));
    j.put("previewEvery", req.path("previewEvery").asInt(0));
    if (req.has("deadlineSeconds")) {
      j.put("deadlineSeconds", req.get("deadlineSeconds").asDouble());
    } else {
      j.putNull("deadlineSeconds");
    }
    int total = sampler.path("steps").asInt(10);
    j.set("progress", F.objectNode().put("step", 0).put("total", total).put("nfe", 0).put("fraction", 0.0)
        .putNull("etaSeconds"));
    j.put("queuePosition", 0).put("createdAt", Instant.now().toString()).putNull("startedAt").putNull("finishedAt");
    j.putNull("error").putNull("results");
    j.put("someFutureField", "the SDK must ignore this");
    FakeJob fj = new FakeJob(id, j);
    jobs.put(id, fj);
    emit(fj, event("queued").put("position", 0));
    return fj;
  }

  private void handle(MiniHttpServer.Request req, MiniHttpServer.Exchange ex) throws IOException {
    String q = req.query().isEmpty() ? "" : "?" + req.query().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).reduce((a, b) -> a + "&" + b).orElse("");
    requests.add(req.method() + " " + req.path() + q);
    String[] p = req.path().substring(1).split("/");
    String m = req.method();
    if (req.header("upgrade") != null) {
      eventConnects.add(q.isEmpty() ? "" : q.substring(1));
    }
    if (m.equals("POST") && req.path().equals("/v1/jobs")) {
      submit(req, ex);
    } else if (m.equals("GET") && req.path().equals("/v1/jobs")) {
      list(req, ex);
    } else if (p.length == 3 && p[1].equals("jobs") && m.equals("GET")) {
      if (unavailableNext.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
        problem(ex, 503, "Service Unavailable", "shutting down", List.of(), Map.of());
        return;
      }
      withJob(p[2], ex, j -> json(ex, 200, j.json));
    } else if (p.length == 3 && p[1].equals("jobs") && m.equals("DELETE")) {
      cancel(p[2], ex);
    } else if (p.length == 4 && p[1].equals("jobs") && p[3].equals("result")) {
      result(p[2], req, ex);
    } else if (p.length == 4 && p[1].equals("jobs") && p[3].equals("events")) {
      events(p[2], req, ex);
    } else if (p.length == 2 && p[1].equals("events")) {
      MiniHttpServer.WebSocket ws = ex.upgrade();
      allSubscribers.add(ws);
    } else if (m.equals("GET") && req.path().equals("/v1/models")) {
      ObjectNode body = F.objectNode();
      body.putArray("items").add(model("gmm-ring-2d")).add(model("gaussian"));
      json(ex, 200, body);
    } else if (p.length == 3 && p[1].equals("models") && m.equals("GET")) {
      if (p[2].equals("gmm-ring-2d") || p[2].equals("gaussian")) {
        json(ex, 200, model(p[2]));
      } else {
        problem(ex, 404, "Not found", "no model " + p[2], List.of(), Map.of());
      }
    } else if (p.length == 4 && p[1].equals("models") && p[3].equals("calibrations") && m.equals("POST")) {
      synchronized (this) {
        ObjectNode body = (ObjectNode) JSON.readTree(req.body());
        FakeJob j = create(F.objectNode().put("model", p[2]).put("n", body.path("samples").asInt(1000)));
        j.json.put("kind", "calibration").putNull("sampler");
        j.json.set("calibration", body);
        j.json.set("outputs", F.arrayNode().add("json"));
        json(ex, 202, j.json);
      }
    } else if (req.path().equals("/health")) {
      json(ex, 200, F.objectNode().put("status", "UP"));
    } else if (req.path().equals("/health/ready")) {
      ObjectNode h = F.objectNode().put("status", ready ? "UP" : "DOWN");
      h.putArray("checks").add(F.objectNode().put("name", "models").put("status", ready ? "UP" : "DOWN")
          .put("detail", ready ? "loaded" : "warming up"));
      json(ex, ready ? 200 : 503, h);
    } else {
      problem(ex, 404, "Not found", "no route " + m + " " + req.path(), List.of(), Map.of());
    }
  }

  private void submit(MiniHttpServer.Request req, MiniHttpServer.Exchange ex) throws IOException {
    String key = req.header("idempotency-key");
    submitKeys.add(key);
    if (rateLimitNext.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
      problem(ex, 429, "Too many requests", "the queue is full", List.of(),
          Map.of("Retry-After", String.valueOf(retryAfterSeconds)));
      return;
    }
    String text = new String(req.body(), StandardCharsets.UTF_8);
    JsonNode body;
    try {
      body = JSON.readTree(text);
    } catch (IOException e) {
      problem(ex, 400, "Invalid request", "not JSON", List.of(List.of("", "not JSON")), Map.of());
      return;
    }
    List<List<String>> errors = new ArrayList<>();
    String model = body.path("model").asText();
    if (!model.equals("gmm-ring-2d") && !model.equals("gaussian")) {
      errors.add(List.of("model", "unknown model '" + model + "'"));
    }
    if (body.path("sampler").path("steps").asInt(1) > N) {
      errors.add(List.of("sampler.steps", "must be at most N = " + N));
    }
    if (body.path("n").asInt(1) > 10000) {
      errors.add(List.of("n", "must be at most maxN = 10000"));
    }
    if (!errors.isEmpty()) {
      problem(ex, 400, "Invalid request", errors.get(0).get(0) + ": " + errors.get(0).get(1), errors, Map.of());
      return;
    }
    FakeJob job;
    int status;
    synchronized (this) {
      if (key != null && jobByKey.containsKey(key)) {
        if (!bodyByKey.get(key).equals(JSON.readTree(text).toString())) {
          problem(ex, 409, "Conflict", "Idempotency-Key reused with another body",
              List.of(List.of("Idempotency-Key", "reused with another body")), Map.of());
          return;
        }
        job = jobs.get(jobByKey.get(key));
        status = 200;
      } else {
        job = create((ObjectNode) body);
        if (key != null) {
          jobByKey.put(key, job.id);
          bodyByKey.put(key, JSON.readTree(text).toString());
        }
        status = 202;
        if (autoRun > 0) {
          runLater(job.id);
        }
      }
    }
    if (dropNextSubmitResponse.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
      ex.drop();
      return;
    }
    ex.respond(status, "application/json", bytes(job.json), Map.of("Location", "/v1/jobs/" + job.id));
  }

  private void runLater(String id) {
    int steps = autoRun;
    Thread t = new Thread(() -> {
      try {
        long until = System.nanoTime() + 2_000_000_000L; // let a client subscribe first, as a real job takes a while
        while (System.nanoTime() < until && subscribers(id) == 0) {
          Thread.sleep(2);
        }
        Thread.sleep(autoRunDelayMs);
        start(id);
        for (int k = 1; k <= steps; k++) {
          Thread.sleep(autoRunDelayMs);
          synchronized (this) {
            if (isTerminal(jobs.get(id).json.path("status").asText())) {
              return;
            }
            progress(id, k, steps);
          }
        }
        Thread.sleep(autoRunDelayMs);
        synchronized (this) {
          if (autoRunFailCode != null) {
            fail(id, autoRunFailCode);
          } else {
            succeed(id);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "fake-job-" + id);
    t.setDaemon(true);
    t.start();
  }

  private synchronized void list(MiniHttpServer.Request req, MiniHttpServer.Exchange ex) throws IOException {
    String status = req.query().get("status");
    int limit = Integer.parseInt(req.query().getOrDefault("limit", "50"));
    if (limit < 1 || limit > 500) {
      problem(ex, 400, "Invalid request", "limit out of range", List.of(List.of("limit", "must be in [1, 500]")), Map.of());
      return;
    }
    List<FakeJob> all = new ArrayList<>(jobs.values());
    Collections.reverse(all); // newest first
    all.removeIf(j -> status != null && !j.json.path("status").asText().equals(status));
    int from = req.query().containsKey("cursor") ? Integer.parseInt(req.query().get("cursor").substring(1)) : 0;
    int to = Math.min(all.size(), from + limit);
    ObjectNode page = F.objectNode();
    ArrayNode items = page.putArray("items");
    for (FakeJob j : all.subList(from, to)) {
      items.add(j.json);
    }
    if (to < all.size()) {
      page.put("nextCursor", "c" + to);
    } else {
      page.putNull("nextCursor");
    }
    json(ex, 200, page);
  }

  private synchronized void cancel(String id, MiniHttpServer.Exchange ex) throws IOException {
    FakeJob j = jobs.get(id);
    if (j == null) {
      problem(ex, 404, "Not found", "no job " + id, List.of(), Map.of());
      return;
    }
    String s = j.json.path("status").asText();
    if (s.equals("succeeded") || s.equals("failed")) {
      problem(ex, 409, "Conflict", "job " + id + " already " + s, List.of(), Map.of());
      return;
    }
    if (!s.equals("canceled")) {
      j.json.put("status", "canceled").put("finishedAt", Instant.now().toString()).putNull("queuePosition");
      emit(j, event("canceled").set("job", j.json.deepCopy()));
    }
    json(ex, 200, j.json);
  }

  private synchronized void result(String id, MiniHttpServer.Request req, MiniHttpServer.Exchange ex) throws IOException {
    FakeJob j = jobs.get(id);
    if (j == null) {
      problem(ex, 404, "Not found", "no job " + id, List.of(), Map.of());
      return;
    }
    if (!j.json.path("status").asText().equals("succeeded")) {
      problem(ex, 409, "Conflict", "job " + id + " has not succeeded", List.of(), Map.of());
      return;
    }
    String format = req.query().getOrDefault("format", "npy");
    if (format.equals("npy")) {
      ex.respond(200, "application/octet-stream", npy(j.json.path("n").asInt()), Map.of());
    } else if (format.equals("png")) {
      boolean one = req.query().containsKey("index");
      ex.respond(200, "image/png", one ? png(3, 3) : png(8, 4), Map.of());
    } else {
      json(ex, 200, F.objectNode().put("gamma", "fake"));
    }
  }

  private synchronized void events(String id, MiniHttpServer.Request req, MiniHttpServer.Exchange ex) throws IOException {
    FakeJob j = jobs.get(id);
    if (j == null) {
      problem(ex, 404, "Not found", "no job " + id, List.of(), Map.of());
      return;
    }
    MiniHttpServer.WebSocket ws = ex.upgrade();
    String after = req.query().get("after");
    if (replayEverything) {
      j.events.forEach(e -> ws.sendText(e.toString()));
    } else if (after != null) {
      long a = Long.parseLong(after);
      j.events.stream().filter(e -> e.path("seq").asLong() > a).forEach(e -> ws.sendText(e.toString()));
    } else {
      String status = j.json.path("status").asText();
      ObjectNode state = F.objectNode().put("seq", j.seq).put("jobId", id)
          .put("type", status.equals("running") ? "progress" : status);
      state.set("job", j.json.deepCopy());
      if (status.equals("failed")) {
        state.set("error", j.json.get("error").deepCopy());
      }
      ws.sendText(state.toString());
    }
    if (isTerminal(j.json.path("status").asText())) {
      ws.close(1000);
    } else {
      j.subscribers.add(ws);
    }
  }

  private interface JobAction {
    void apply(FakeJob j) throws IOException;
  }

  private synchronized void withJob(String id, MiniHttpServer.Exchange ex, JobAction a) throws IOException {
    FakeJob j = jobs.get(id);
    if (j == null) {
      problem(ex, 404, "Not found", "no job " + id, List.of(), Map.of());
    } else {
      a.apply(j);
    }
  }

  private static ObjectNode model(String name) {
    ObjectNode m = F.objectNode().put("name", name).put("description", "fake " + name)
        .put("kind", "gaussian-mixture");
    m.putArray("sampleShape").add(2);
    m.putNull("dataRange");
    m.put("eightBit", false).put("prediction", "eps").put("timeInput", "index");
    m.putArray("heads").add("eps2").add("epsc");
    m.set("schedule", F.objectNode().put("type", "linear").put("steps", N));
    ArrayNode s = m.putArray("samplers");
    s.add(F.objectNode().put("name", "ddpm").put("available", true).put("continuous", false).put("needsGamma", false));
    s.add(F.objectNode().put("name", "analytic-ddpm").put("available", name.equals("gmm-ring-2d"))
        .put("reason", name.equals("gmm-ring-2d") ? null : "no Γ").put("continuous", false).put("needsGamma", true));
    s.add(F.objectNode().put("name", "brand-new-sampler").put("available", true));
    ObjectNode g = F.objectNode().put("present", name.equals("gmm-ring-2d"));
    g.set("provenance", name.equals("gmm-ring-2d") ? F.objectNode().put("samples", 1000).put("seed", 0) : F.nullNode());
    m.set("gamma", g);
    m.put("device", "cpu").putNull("sha256").put("ready", true);
    return m;
  }

  /**
   * The fake's sample values: element (i, k) of the [n, 2] result is {@code i + 0.25·k}.
   *
   * @param n samples
   * @return the .npy bytes
   */
  public static byte[] npy(int n) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", 2), }";
    int total = 10 + dict.length() + 1;
    String header = dict + " ".repeat((total + 63) / 64 * 64 - total) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8 * n).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (int i = 0; i < n; i++) {
      b.putFloat(i).putFloat(i + 0.25f);
    }
    return b.array();
  }

  /**
   * @param w width
   * @param h height
   * @return a PNG of that size
   */
  public static byte[] png(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xff0000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(JsonNode n) {
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void json(MiniHttpServer.Exchange ex, int status, JsonNode body) throws IOException {
    ex.respond(status, "application/json", bytes(body), Map.of());
  }

  private static void problem(MiniHttpServer.Exchange ex, int status, String title, String detail,
      List<List<String>> errors, Map<String, String> headers) throws IOException {
    ObjectNode p = F.objectNode().put("type", "/problems/" + status).put("title", title).put("status", status)
        .put("detail", detail);
    ArrayNode es = p.putArray("errors");
    for (List<String> e : errors) {
      es.add(F.objectNode().put("field", e.get(0)).put("message", e.get(1)));
    }
    ex.respond(status, "application/problem+json", bytes(p), headers);
  }
}
