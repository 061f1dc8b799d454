package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error is a problem body, also where no route has run: requests the HTTP decoder refuses (414, 431, malformed
 * request lines), WebSocket upgrades refused before the handshake, 405 with {@code Allow}, and the Content-Type rules
 * (415; media types case-insensitive; a charset other than UTF-8 is a 415), an unknown HTTP version and a bad chunk
 * size. A connection that sends no request head is closed after the header timeout.
 */
class EdgeProblemsTest {
  static final String JOB = "{\"model\":\"toy\",\"n\":1,\"seed\":1,\"sampler\":{\"name\":\"ddpm\",\"steps\":5}}";
  @TempDir static Path tmp;
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    h = new Harness(tmp.resolve("data"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)),
        b -> b.headerTimeoutSeconds(1));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  /** Sends raw bytes, returns {head, body}. */
  static String[] raw(String request) throws Exception {
    URI u = URI.create(h.base);
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      String all = readResponse(s.getInputStream());
      int split = all.indexOf("\r\n\r\n");
      return split < 0 ? new String[] {all, ""} : new String[] {all.substring(0, split), all.substring(split + 4)};
    }
  }

  /** Reads one response: up to the end of the body by Content-Length (a WebSocket error leaves the socket open). */
  static String readResponse(InputStream in) throws Exception {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      int split = sb.indexOf("\r\n\r\n");
      if (split >= 0) {
        String head = sb.substring(0, split).toLowerCase(Locale.ROOT);
        int at = head.indexOf("content-length:");
        int len = at < 0 ? 0 : Integer.parseInt(head.substring(at + 15).split("\r\n")[0].trim());
        byte[] body = in.readNBytes(len);
        return sb + new String(body, StandardCharsets.UTF_8);
      }
    }
    return sb.toString();
  }

  static JsonObject problem(String[] r, int status) {
    assertTrue(r[0].matches("(?s)HTTP/1\\.[01] " + status + ".*"), r[0] + "\n" + r[1]);
    assertTrue(r[0].toLowerCase(Locale.ROOT).contains("content-type: application/problem+json"), r[0]);
    JsonObject p = new JsonObject(r[1]);
    assertEquals(status, p.getInteger("status"), r[1]);
    return p;
  }

  static String host() {
    return "Host: " + URI.create(h.base).getAuthority() + "\r\n";
  }

  @Test
  void decoderRefusalsAreProblems() throws Exception {
    problem(raw("GET /v1/jobs?" + "a".repeat(9000) + " HTTP/1.1\r\n" + host() + "\r\n"), 414);
    problem(raw("GET /v1/jobs HTTP/1.1\r\n" + host() + "X-Big: " + "b".repeat(9000) + "\r\n\r\n"), 431);
    problem(raw("GARBAGE\r\n\r\n"), 400);
  }

  @Test
  void anUnknownHttpVersionIsAProblemNotVertxsBare501() throws Exception {
    for (String version : List.of("HTTP/1.2", "HTTP/2.0", "FOO/1.1")) {
      String[] r = raw("GET /health " + version + "\r\n" + host() + "\r\n");
      JsonObject p = problem(r, 400);
      assertEquals("/problems/http-version", p.getString("type"), version + ": " + p.encode());
      assertTrue(r[0].startsWith("HTTP/1.1 "), r[0]);
    }
    assertTrue(raw("GET /health HTTP/1.0\r\n\r\n")[0].startsWith("HTTP/1.0 200"), "1.0 still served");
  }

  @Test
  void aBadChunkSizeIsAProblemBeforeTheConnectionCloses() throws Exception {
    String head = "POST /v1/jobs HTTP/1.1\r\n" + host() + "Content-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n";
    JsonObject p = problem(raw(head + "zz\r\n{}\r\n0\r\n\r\n"), 400);
    assertTrue(p.getString("detail").contains("chunked"), p.encode());
    URI u = URI.create(h.base);
    try (Socket s = new Socket(u.getHost(), u.getPort())) { // the head first, the broken chunk after it was routed
      s.setSoTimeout(10_000);
      s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      Thread.sleep(200);
      s.getOutputStream().write("-5\r\nxyz\r\n".getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      String all = readResponse(s.getInputStream());
      int split = all.indexOf("\r\n\r\n");
      problem(new String[] {all.substring(0, split), all.substring(split + 4)}, 400);
      assertEquals(-1, s.getInputStream().read(), "then the connection is closed");
    }
    String[] get = raw("GET /health HTTP/1.1\r\n" + host() + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    assertTrue(get[0].startsWith("HTTP/1.1 200") || get[0].startsWith("HTTP/1.1 400"),
        "a GET answered before its broken body was read keeps its answer (or gets the problem): " + get[0]);
    assertEquals(200, h.send("GET", "/health", null).statusCode());
  }

  @Test
  void webSocketRefusalsAreProblems() throws Exception {
    String ws = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    problem(raw("GET /v1/jobs/j_nosuch/events HTTP/1.1\r\n" + host() + ws + "Sec-WebSocket-Version: 13\r\n\r\n"), 404);
    JsonObject after = problem(raw("GET /v1/jobs/j_nosuch/events?after=-1 HTTP/1.1\r\n" + host() + ws
        + "Sec-WebSocket-Version: 13\r\n\r\n"), 400);
    assertEquals("after", after.getJsonArray("errors").getJsonObject(0).getString("field"), after.encode());
    String[] v = raw("GET /v1/events HTTP/1.1\r\n" + host() + ws + "Sec-WebSocket-Version: 8\r\n\r\n");
    problem(v, 426);
    assertTrue(v[0].toLowerCase(Locale.ROOT).contains("sec-websocket-version: 13"), v[0]);
    problem(raw("GET /v1/events HTTP/1.1\r\n" + host() + ws + "Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example"
        + "\r\n\r\n"), 403);
    problem(raw("GET /v1/nope/events HTTP/1.1\r\n" + host() + ws + "Sec-WebSocket-Version: 13\r\n\r\n"), 404);
  }

  @Test
  void methodNotAllowedSaysWhatIs() throws Exception {
    var r = h.send("PUT", "/v1/jobs", "{}");
    assertEquals(405, r.statusCode());
    assertEquals("GET, POST", r.headers().firstValue("Allow").orElse(""), "sorted");
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
    var d = h.send("POST", "/v1/jobs/j_x", "{}");
    assertEquals(405, d.statusCode());
    assertTrue(d.headers().firstValue("Allow").orElse("").contains("DELETE"), d.headers().map().toString());
  }

  @Test
  void contentTypeFollowsTheContract() throws Exception {
    for (String ct : List.of("text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16",
        "application/json;charset=ISO-8859-1")) {
      var r = h.send("POST", "/v1/jobs", JOB, "Content-Type", ct);
      assertEquals(415, r.statusCode(), ct + ": " + new String(r.body()));
      JsonObject p = h.json(r);
      assertEquals("Content-Type", p.getJsonArray("errors").getJsonObject(0).getString("field"), p.encode());
    }
    for (String ct : List.of("application/JSON", "Application/Json; charset=UTF-8", "application/json;charset=\"utf-8\"")) {
      var r = h.send("POST", "/v1/jobs", JOB, "Content-Type", ct);
      assertEquals(202, r.statusCode(), ct + ": " + new String(r.body()));
      h.await(h.json(r).getString("id"), 30_000);
    }
  }

  @Test
  void aConnectionWithoutARequestHeadIsClosed() throws Exception {
    URI u = URI.create(h.base);
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // no end
      assertEquals(-1, s.getInputStream().read(), "closed by the server without an answer");
    }
    String[] ok = raw("GET /health HTTP/1.1\r\n" + host() + "Connection: close\r\n\r\n");
    assertTrue(ok[0].startsWith("HTTP/1.1 200"), ok[0]);
  }

  @Test
  void aJobLargerThanTheWholeQueueIsA400NamingTheLimit(@TempDir Path dir) throws Exception {
    try (Harness small = new Harness(dir.resolve("data"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), dir)),
        b -> b.maxQueuedWork(9_999))) {
      // 100 predictor steps × (1 + 99 corrector steps) = 10,000 rows for one sample (the toy sampler has no denoise)
      var r = small.send("POST", "/v1/jobs", "{\"model\":\"toy\",\"n\":1,\"sampler\":{\"name\":\"sde-pc\","
          + "\"steps\":100,\"corrector-steps\":99}}");
      assertEquals(400, r.statusCode(), new String(r.body()));
      JsonObject p = small.json(r);
      assertEquals("n", p.getJsonArray("errors").getJsonObject(0).getString("field"), p.encode());
      assertTrue(p.encode().contains("maxQueuedWork") && p.encode().contains("10000"), p.encode());
      var fits = small.send("POST", "/v1/jobs", "{\"model\":\"toy\",\"n\":50,\"sampler\":{\"name\":\"ddpm\","
          + "\"steps\":100}}");
      assertEquals(202, fits.statusCode(), "5,000 rows fit: " + new String(fits.body()));
      small.await(small.json(fits).getString("id"), 30_000);
    }
  }

  @Test
  void jobRecordsNameNoServerPaths() throws Exception {
    float[][] rows = new float[32][2];
    for (int i = 0; i < rows.length; i++) {
      rows[i][0] = i % 2 == 0 ? 0.5f : -0.5f;
      rows[i][1] = rows[i][0];
    }
    java.nio.file.Files.write(tmp.resolve("ring.npy"), dev.dpm.server.results.NpyWriter.encode(rows, new int[] {2}));
    var r = h.send("POST", "/v1/models/toy/calibrations", "{\"samples\":16,\"data\":\"ring.npy\"}");
    assertEquals(202, r.statusCode(), new String(r.body()));
    String id = h.json(r).getString("id");
    JsonObject done = h.await(id, 60_000);
    assertEquals("succeeded", done.getString("status"), done.encode());
    for (String text : List.of(done.encode(), new String(h.send("GET", "/v1/jobs?limit=100", null).body()),
        new String(h.send("GET", "/v1/models/toy", null).body()))) {
      assertTrue(!text.contains(tmp.toString()) && !text.contains(tmp.toRealPath().toString()), text);
    }
    assertEquals("ring.npy", done.getJsonObject("calibration").getString("data"), done.encode());
    var few = h.send("POST", "/v1/models/toy/calibrations", "{\"samples\":64,\"data\":\"ring.npy\"}");
    assertEquals(400, few.statusCode());
    assertTrue(new String(few.body()).contains("ring.npy") && !new String(few.body()).contains(tmp.toString()),
        new String(few.body()));
  }
}
