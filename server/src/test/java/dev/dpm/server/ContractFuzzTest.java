package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.ModelRegistry;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A fuzzer over the whole contract, in {@code mvn verify}: jqwik draws an operation of {@code openapi.yaml} (read by
 * swagger-parser), a mutation and a seed; the request is built from the operation's schemas and examples and then
 * mutated (types, bounds, missing and unknown fields, broken JSON and encodings, Content-Types, methods, paths,
 * percent-escapes, headers, WebSocket upgrades) and sent as raw bytes to a real server on port 0. Every answer must be
 * below 500 (except the documented 503 of {@code /health/ready}), every 4xx a problem body with its status, every
 * JSON 2xx carry the fields its response schema requires, and the server must be healthy afterwards. jqwik prints
 * its seed with the property's report; {@code -Djqwik.seeds.whenfixed=...} or {@code @Property(seed = ...)} replays
 * it.
 */
class ContractFuzzTest {
  static final int TRIES = 10_000;
  enum Mutation { VALID, EXAMPLE, WRONG_TYPE, BOUNDS, DROP_REQUIRED, EXTRA_FIELD, BROKEN_BODY, CONTENT_TYPE, METHOD,
    PATH, QUERY, HEADERS, WEBSOCKET, FRAMING }

  /** One operation of the contract. */
  record Op(String path, String method, Operation op) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  static Path tmp;
  static DpmServer server;
  static int port;
  static OpenAPI api;
  static List<Op> ops = new ArrayList<>();
  static final Map<Integer, AtomicInteger> HISTOGRAM = new TreeMap<>();
  static final AtomicInteger SENT = new AtomicInteger();
  static final List<String> JOB_IDS = new ArrayList<>();

  @BeforeContainer
  static void start() throws Exception {
    tmp = Files.createTempDirectory("dpm-fuzz");
    ParseOptions po = new ParseOptions();
    po.setResolve(true);
    po.setResolveFully(true);
    Path yaml = Path.of(System.getProperty("dpm.root", "..")).resolve("openapi.yaml");
    api = new OpenAPIV3Parser().readContents(Files.readString(yaml), null, po).getOpenAPI();
    api.getPaths().forEach((p, item) -> item.readOperationsMap().forEach((m, o) -> ops.add(new Op(p, m.name(), o))));
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(tmp.resolve("data"))
        .maxN(8).maxSteps(40).maxQueuedJobs(30).maxBodyBytes(16 * 1024).warmup(false).shutdownGraceSeconds(0)
        .progressIntervalMs(50).previewIntervalMs(200).headerTimeoutSeconds(5).build();
    server = DpmServer.start(cfg, new ModelRegistry(List.of(
        Toys.model("gmm-ring-2d", new Toys.ToyPredictor(2), tmp.resolve("m1")),
        Toys.imageModel("img", new Toys.ToyPredictor(16), tmp.resolve("m2")))), Samplers::create);
    server.awaitReady(20_000);
    port = server.port();
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      String[] health = send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.UTF_8));
      String[] ready = send("GET /health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.UTF_8));
      System.out.println("contract-fuzz: requests=" + SENT.get() + " statuses=" + HISTOGRAM + " operations="
          + ops.size() + " healthAfter=" + status(health[0]) + " readyAfter=" + status(ready[0]));
      assertEquals(200, status(health[0]), "healthy after the fuzzing");
      assertEquals(200, status(ready[0]), "ready after the fuzzing: " + ready[1]);
    } finally {
      server.close();
    }
  }

  @Provide
  Arbitrary<Op> operations() {
    return Arbitraries.of(ops);
  }

  @Property(tries = TRIES, shrinking = net.jqwik.api.ShrinkingMode.OFF, afterFailure = net.jqwik.api.AfterFailureMode.RANDOM_SEED)
  void everyAnswerIsBelow500AndEveryErrorIsAProblem(@ForAll("operations") Op op, @ForAll Mutation mutation,
      @ForAll long seed) throws Exception {
    Random rnd = new Random(seed);
    byte[] request = build(op, mutation, rnd);
    String[] r = send(request);
    int status = status(r[0]);
    SENT.incrementAndGet();
    synchronized (HISTOGRAM) {
      HISTOGRAM.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
    }
    String what = op + " " + mutation + " seed=" + seed + "\n" + new String(request, StandardCharsets.ISO_8859_1)
        .substring(0, Math.min(600, request.length)) + "\n=> " + r[0] + "\n" + r[1];
    if (status <= 0) {
      throw new AssertionError("no answer: " + what);
    }
    if (status >= 500 && !(op.op().getOperationId().equals("ready") && status == 503)) {
      throw new AssertionError("5xx: " + what);
    }
    boolean head = new String(request, 0, 5, StandardCharsets.ISO_8859_1).startsWith("HEAD");
    if (status >= 400 && status < 500) {
      if (!header(r[0], "content-type").startsWith("application/problem+json")) {
        throw new AssertionError("a 4xx without a problem body: " + what);
      }
      if (!head) {
        JsonObject p = new JsonObject(r[1]);
        if (p.getInteger("status", -1) != status || p.getString("title") == null) {
          throw new AssertionError("a malformed problem: " + what);
        }
      }
    }
    boolean sameOperation = new String(request, StandardCharsets.ISO_8859_1).startsWith(op.method() + " ")
        && mutation != Mutation.PATH;
    if (sameOperation && status >= 200 && status < 300 && !head
        && header(r[0], "content-type").startsWith("application/json")) {
      checkResponse(op, status, r[1], what);
      if (op.op().getOperationId().equals("createJob")) {
        String id = new JsonObject(r[1]).getString("id");
        synchronized (JOB_IDS) {
          JOB_IDS.add(id);
        }
      }
    }
  }

  /** The fields the response schema requires are there (and the body is JSON of the right kind). */
  static void checkResponse(Op op, int status, String body, String what) {
    ApiResponse resp = op.op().getResponses().get(Integer.toString(status));
    if (resp == null || resp.getContent() == null || resp.getContent().get("application/json") == null) {
      throw new AssertionError("an undocumented " + status + ": " + what);
    }
    Schema<?> s = resp.getContent().get("application/json").getSchema();
    if (s == null || s.getRequired() == null) {
      return;
    }
    JsonObject o = new JsonObject(body);
    for (String f : s.getRequired()) {
      if (!o.containsKey(f)) {
        throw new AssertionError("response lacks required '" + f + "': " + what);
      }
    }
  }

  // ---------------------------------------------------------------- building requests

  static byte[] build(Op op, Mutation m, Random rnd) {
    String method = op.method();
    String path = op.path();
    Map<String, String> headers = new LinkedHashMap<>();
    String protocol = "HTTP/1.1";
    String chunk = null;
    StringBuilder query = new StringBuilder();
    List<Parameter> params = new ArrayList<>();
    if (op.op().getParameters() != null) {
      params.addAll(op.op().getParameters());
    }
    PathItem item = api.getPaths().get(op.path());
    if (item.getParameters() != null) {
      params.addAll(item.getParameters());
    }
    for (Parameter p : params) {
      String v = scalar(p.getSchema(), rnd);
      if ("path".equals(p.getIn())) {
        if (p.getName().equals("id") && rnd.nextBoolean()) {
          synchronized (JOB_IDS) {
            if (!JOB_IDS.isEmpty()) {
              v = JOB_IDS.get(rnd.nextInt(JOB_IDS.size()));
            }
          }
        }
        if (p.getName().equals("name") && rnd.nextInt(3) > 0) {
          v = rnd.nextBoolean() ? "gmm-ring-2d" : "img";
        }
        path = path.replace("{" + p.getName() + "}", enc(v));
      } else if ("query".equals(p.getIn()) && (Boolean.TRUE.equals(p.getRequired()) || rnd.nextBoolean())) {
        query.append(query.length() == 0 ? "" : "&").append(p.getName()).append('=').append(enc(v));
      } else if ("header".equals(p.getIn()) && rnd.nextBoolean()) {
        headers.put(p.getName(), v.replaceAll("[^\\x21-\\x7e]", "x"));
      }
    }
    byte[] body = null;
    MediaType mt = op.op().getRequestBody() == null || op.op().getRequestBody().getContent() == null ? null
        : op.op().getRequestBody().getContent().get("application/json");
    if (mt != null) {
      Object value = m == Mutation.EXAMPLE && mt.getExamples() != null && !mt.getExamples().isEmpty()
          ? example(mt, rnd) : gen(mt.getSchema(), rnd, 0);
      value = mutateBody(value, mt.getSchema(), m, rnd);
      body = (value instanceof byte[] b ? b : (value == null ? "null" : encode(value)).getBytes(StandardCharsets.UTF_8));
      headers.put("Content-Type", "application/json");
    }
    switch (m) {
      case CONTENT_TYPE -> headers.put("Content-Type", pick(rnd, "text/plain", "application/JSON",
          "application/json; charset=utf-16", "application/json;charset=ISO-8859-1", "application/xml", "",
          "application/json; charset=\"UTF-8\"", "multipart/form-data; boundary=x", "application/*", ";;;"));
      case METHOD -> method = pick(rnd, "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "POST", "GET", "TRACE", "FOO");
      case PATH -> path = mutatePath(path, rnd);
      case QUERY -> query.append(query.length() == 0 ? "" : "&").append(pick(rnd, "limit=%zz", "status=%",
          "cursor=%1", "limit=-1", "limit=999999999999", "limit=1.5", "after=-1", "format=gif", "index=-3",
          "x=y", "limit=1&limit=2", "status=QUEUED", "%%%", "=&=", "cursor=" + "A".repeat(300), "index=99999",
          "format=png&index=0", "after=abc", "limit=" + rnd.nextInt()));
      case HEADERS -> {
        headers.put(pick(rnd, "Idempotency-Key", "Authorization", "Origin", "Accept", "X-Junk", "Content-Length"),
            pick(rnd, "", "a".repeat(300), "Bearer x", "http://evil.example", "ü€", "-1", "99999999999", "\t"));
      }
      case WEBSOCKET -> {
        headers.put("Upgrade", pick(rnd, "websocket", "WebSocket", "h2c", "websocket"));
        headers.put("Connection", "Upgrade");
        if (rnd.nextInt(4) > 0) {
          headers.put("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        }
        headers.put("Sec-WebSocket-Version", pick(rnd, "13", "13", "8", "", "abc"));
        if (rnd.nextInt(4) == 0) {
          headers.put("Origin", pick(rnd, "http://evil.example", "null", "http://127.0.0.1:" + port));
        }
        method = rnd.nextInt(5) == 0 ? "POST" : "GET";
      }
      case FRAMING -> { // the HTTP version of the request line, or a chunked body with a broken chunk size
        if (rnd.nextBoolean()) {
          protocol = pick(rnd, "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "FOO/1.1", "HTTP/1.0", "HTTP/3.0");
        } else {
          chunk = pick(rnd, "zz", "-1", "fffffffffffffffffff", "1;;", " ", "0x10");
        }
      }
      default -> { }
    }
    String target = path + (query.length() == 0 ? "" : "?" + query);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder(method + " " + target + " " + protocol + "\r\nHost: 127.0.0.1:" + port
        + "\r\n");
    headers.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("Connection")) {
        head.append(k).append(": ").append(v).append("\r\n");
      }
    });
    if (chunk != null) {
      head.append("Transfer-Encoding: chunked\r\n");
      byte[] b = body == null ? new byte[] {'{', '}'} : body;
      ByteArrayOutputStream c = new ByteArrayOutputStream();
      c.writeBytes((chunk + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      c.writeBytes(b);
      c.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      body = c.toByteArray();
    } else if (!headers.containsKey("Content-Length")) {
      head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
    }
    head.append("Connection: ").append(headers.containsKey("Upgrade") ? "Upgrade" : "close").append("\r\n\r\n");
    out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    if (body != null && !headers.containsKey("Content-Length")) {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  static Object example(MediaType mt, Random rnd) {
    List<Example> ex = new ArrayList<>(mt.getExamples().values());
    Object v = ex.get(rnd.nextInt(ex.size())).getValue();
    Object json = v instanceof Map<?, ?> || v instanceof List<?> ? io.vertx.core.json.Json.decodeValue(
        io.vertx.core.json.Json.encode(v)) : v;
    if (json instanceof JsonObject o && o.containsKey("n")) {
      o.put("n", 1 + rnd.nextInt(8));
      if (o.getJsonObject("sampler") != null) {
        o.getJsonObject("sampler").put("steps", 1 + rnd.nextInt(20));
      }
    }
    return json;
  }

  static Object mutateBody(Object value, Schema<?> schema, Mutation m, Random rnd) {
    switch (m) {
      case WRONG_TYPE -> {
        return replaceSomewhere(value, rnd, pick(rnd, "\"x\"", "1", "-1", "true", "null", "[]", "{}", "1e309", "0.5"));
      }
      case BOUNDS -> {
        return replaceSomewhere(value, rnd, pick(rnd, "0", "-1", "2147483648", "9223372036854775808", "1e308",
            "-0.0", "100000", "4097", "10001", "1.0000001", "\"" + "z".repeat(5000) + "\""));
      }
      case DROP_REQUIRED -> {
        if (value instanceof JsonObject o && !o.isEmpty()) {
          List<String> keys = new ArrayList<>(o.fieldNames());
          o.remove(keys.get(rnd.nextInt(keys.size())));
        }
        return value;
      }
      case EXTRA_FIELD -> {
        if (value instanceof JsonObject o) {
          o.put(pick(rnd, "foo", "__proto__", "Model", "n ", "💥"), rnd.nextInt());
        }
        return value;
      }
      case BROKEN_BODY -> {
        String s = pick(rnd, "{", "{\"model\":", "[", "\"str\"", "", "{}}", "{\"a\":1,}", "nul", "{\"n\":01}",
            "[".repeat(3000), "{\"model\":\"\\ud800\"}");
        if (rnd.nextInt(4) == 0) {
          return new byte[] {'{', '"', 'm', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'};
        }
        return s.getBytes(StandardCharsets.UTF_8);
      }
      default -> {
        return value;
      }
    }
  }

  /** Replaces one random leaf (or the whole value) with raw JSON text. */
  static Object replaceSomewhere(Object value, Random rnd, String raw) {
    Object rep = io.vertx.core.json.Json.decodeValue(raw);
    if (value instanceof JsonObject o && !o.isEmpty() && rnd.nextInt(5) > 0) {
      List<String> keys = new ArrayList<>(o.fieldNames());
      String k = keys.get(rnd.nextInt(keys.size()));
      Object inner = o.getValue(k);
      o.put(k, inner instanceof JsonObject && rnd.nextBoolean() ? replaceSomewhere(inner, rnd, raw) : rep);
      return o;
    }
    return rep;
  }

  static String mutatePath(String path, Random rnd) {
    return switch (rnd.nextInt(9)) {
      case 0 -> path + "/";
      case 1 -> path + "/extra";
      case 2 -> path.replace("/v1", "/v2");
      case 3 -> path + "%zz";
      case 4 -> "/v1/jobs/" + "a".repeat(65);
      case 5 -> "/v1/jobs/..%2f..%2fetc%2fpasswd";
      case 6 -> "/v1/models/%00";
      case 7 -> path.toUpperCase(Locale.ROOT);
      default -> "/" + "x/".repeat(rnd.nextInt(50));
    };
  }

  /** A value of the schema (bodies). */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static Object gen(Schema s, Random rnd, int depth) {
    if (s == null || depth > 6) {
      return null;
    }
    List<Schema> alts = s.getOneOf() != null ? s.getOneOf() : s.getAnyOf();
    if (alts != null && !alts.isEmpty()) {
      return gen(alts.get(rnd.nextInt(alts.size())), rnd, depth + 1);
    }
    if (s.getEnum() != null && !s.getEnum().isEmpty()) {
      return s.getEnum().get(rnd.nextInt(s.getEnum().size()));
    }
    if (s.getConst() != null) {
      return s.getConst();
    }
    String type = type(s);
    switch (type) {
      case "object" -> {
        JsonObject o = new JsonObject();
        Map<String, Schema> props = s.getProperties() == null ? Map.of() : s.getProperties();
        List<String> req = s.getRequired() == null ? List.of() : s.getRequired();
        for (Map.Entry<String, Schema> e : props.entrySet()) {
          if (req.contains(e.getKey()) || rnd.nextInt(3) == 0) {
            o.put(e.getKey(), gen(e.getValue(), rnd, depth + 1));
          }
        }
        if (o.containsKey("model") && rnd.nextInt(4) > 0) {
          o.put("model", rnd.nextBoolean() ? "gmm-ring-2d" : "img");
        }
        if (o.containsKey("n")) {
          o.put("n", 1 + rnd.nextInt(8));
        }
        if (o.containsKey("samples") && rnd.nextBoolean()) {
          o.put("samples", 2 + rnd.nextInt(30));
        }
        return o;
      }
      case "array" -> {
        JsonArray a = new JsonArray();
        int n = rnd.nextInt(3) + (s.getMinItems() == null ? 0 : s.getMinItems());
        for (int i = 0; i < n; i++) {
          a.add(gen(s.getItems(), rnd, depth + 1));
        }
        return a;
      }
      case "integer", "number" -> {
        double lo = s.getMinimum() == null ? -5 : s.getMinimum().doubleValue();
        double hi = s.getMaximum() == null ? lo + 50 : Math.min(s.getMaximum().doubleValue(), lo + 50);
        double v = lo + rnd.nextDouble() * (hi - lo);
        return type.equals("integer") ? (Object) (long) Math.floor(v) : (Object) v;
      }
      case "boolean" -> {
        return rnd.nextBoolean();
      }
      case "null" -> {
        return null;
      }
      default -> {
        return scalar(s, rnd);
      }
    }
  }

  @SuppressWarnings("rawtypes")
  static String type(Schema s) {
    if (s.getTypes() != null && !s.getTypes().isEmpty()) {
      List<String> ts = new ArrayList<>((java.util.Set<String>) s.getTypes());
      ts.remove("null");
      return ts.isEmpty() ? "null" : ts.get(0);
    }
    if (s.getType() != null) {
      return s.getType();
    }
    return s.getProperties() != null ? "object" : "string";
  }

  /** A string form of a parameter's value. */
  @SuppressWarnings("rawtypes")
  static String scalar(Schema s, Random rnd) {
    if (s == null) {
      return "x";
    }
    if (s.getEnum() != null && !s.getEnum().isEmpty()) {
      return String.valueOf(s.getEnum().get(rnd.nextInt(s.getEnum().size())));
    }
    String type = type(s);
    if (type.equals("integer") || type.equals("number")) {
      Object v = gen(s, rnd, 0);
      return String.valueOf(v);
    }
    if (type.equals("boolean")) {
      return Boolean.toString(rnd.nextBoolean());
    }
    int max = s.getMaxLength() == null ? 12 : Math.min(s.getMaxLength(), 40);
    int min = s.getMinLength() == null ? 1 : s.getMinLength();
    int len = min + rnd.nextInt(Math.max(1, max - min + 1));
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_-";
    StringBuilder sb = new StringBuilder("j_");
    for (int i = 2; i < len; i++) {
      sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  static String encode(Object v) {
    if (v instanceof JsonObject o) {
      return o.encode();
    }
    if (v instanceof JsonArray a) {
      return a.encode();
    }
    return io.vertx.core.json.Json.encode(v);
  }

  static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @SafeVarargs
  static <T> T pick(Random rnd, T... xs) {
    return xs[rnd.nextInt(xs.length)];
  }

  // ---------------------------------------------------------------- the wire

  /** Sends raw bytes; returns {head, body} ({@code ""} head if the server closed without an answer). */
  static String[] send(byte[] request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int c;
      int state = 0;
      while (state < 4 && (c = in.read()) >= 0) {
        head.write(c);
        state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1
            : c == '\r' ? 1 : 0;
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (status(h) == 101 || h.startsWith("HEAD")) {
        return new String[] {h, ""};
      }
      String cl = header(h, "content-length");
      byte[] body;
      if (!cl.isEmpty()) {
        body = in.readNBytes(Integer.parseInt(cl.trim()));
      } else if (request.length >= 4 && new String(request, 0, 4, StandardCharsets.ISO_8859_1).equals("HEAD")) {
        body = new byte[0];
      } else {
        body = in.readAllBytes(); // Connection: close (chunked bodies are read raw; only 2xx files are chunked)
      }
      return new String[] {h, new String(body, StandardCharsets.UTF_8)};
    }
  }

  static int status(String head) {
    if (head == null || !head.startsWith("HTTP/1.")) {
      return -1;
    }
    return Integer.parseInt(head.substring(9, 12));
  }

  static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      }
    }
    return "";
  }
}
