package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secure defaults at the edge: loopback unless told otherwise, WebSocket origins, undecodable queries. */
class EdgeSafetyTest {
  @TempDir static Path tmp;
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    h = new Harness(tmp.resolve("data"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)),
        b -> b.allowedOrigins(List.of("https://app.example")));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void aPublicAddressWithoutKeysNeedsAllowAnonymous() {
    assertEquals("127.0.0.1", ServerConfig.builder().build().host());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.builder().host("0.0.0.0").build());
    assertTrue(e.getMessage().contains("--allow-anonymous"), e.getMessage());
    assertEquals("0.0.0.0", ServerConfig.builder().host("0.0.0.0").allowAnonymous(true).build().host());
    assertEquals("::1", ServerConfig.builder().host("::1").build().host());
  }

  @Test
  void malformedPercentEscapesAreA400ProblemNamingTheQuery() throws Exception {
    for (String q : List.of("?limit=%zz", "?status=%", "?cursor=%1")) {
      String[] r = raw("GET /v1/jobs" + q);
      assertTrue(r[0].startsWith("HTTP/1.1 400"), q + ": " + r[0] + "\n" + r[1]);
      assertTrue(r[0].toLowerCase(java.util.Locale.ROOT).contains("content-type: application/problem+json"), r[0]);
      JsonObject p = new JsonObject(r[1]);
      assertEquals("query", p.getJsonArray("errors").getJsonObject(0).getString("field"), p.encode());
    }
    assertEquals(200, h.send("GET", "/v1/jobs?limit=5", null).statusCode(), "a good query still works");
  }

  @Test
  void webSocketsFromAForeignOriginAreRefused() throws Exception {
    String ws = h.base.replace("http", "ws") + "/v1/events";
    CompletionException e = assertThrows(CompletionException.class, () -> h.http.newWebSocketBuilder()
        .header("Origin", "http://evil.example").buildAsync(URI.create(ws), new Harness.Ws()).join());
    assertTrue(e.getCause() instanceof java.net.http.WebSocketHandshakeException w && w.getResponse().statusCode() == 403,
        String.valueOf(e.getCause()));
    WebSocket ok = h.http.newWebSocketBuilder().header("Origin", "https://app.example")
        .buildAsync(URI.create(ws), new Harness.Ws()).get(5, TimeUnit.SECONDS);
    ok.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    WebSocket noOrigin = h.http.newWebSocketBuilder().buildAsync(URI.create(ws), new Harness.Ws())
        .get(5, TimeUnit.SECONDS); // not a browser
    noOrigin.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
  }

  @Test
  void calibrationDataOutsideTheFoldersIsAnsweredAsMissing() throws Exception {
    String outside = h.json(h.send("POST", "/v1/models/toy/calibrations", "{\"data\":\"/etc/hostname\"}",
        "Content-Type", "application/json")).getJsonArray("errors").getJsonObject(0).getString("message");
    String missing = h.json(h.send("POST", "/v1/models/toy/calibrations", "{\"data\":\"/etc/no-such-file\"}",
        "Content-Type", "application/json")).getJsonArray("errors").getJsonObject(0).getString("message");
    assertEquals(outside.replace("/etc/hostname", "X"), missing.replace("/etc/no-such-file", "X"));
    assertTrue(!missing.contains(tmp.toString()), "no server path in " + missing);
  }

  /** One raw HTTP/1.1 request (java.net.http refuses malformed URIs): {head, body}. */
  static String[] raw(String requestLine) throws Exception {
    URI u = URI.create(h.base);
    try (java.net.Socket sock = new java.net.Socket(u.getHost(), u.getPort())) {
      sock.setSoTimeout(10_000);
      sock.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: " + u.getAuthority()
          + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String all = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int split = all.indexOf("\r\n\r\n");
      return new String[] {all.substring(0, split), all.substring(split + 4)};
    }
  }
}
