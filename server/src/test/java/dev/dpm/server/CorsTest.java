package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.security.ApiKeyFile;
import dev.dpm.server.security.Scope;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CORS: off by default (no {@code Access-Control-*} headers, a preflight is refused); with
 * {@code corsAllowedOrigins} an allowed origin's preflight is answered before the key is checked and its requests
 * carry the headers, another origin is a 403 problem, and same-origin and Origin-less requests are untouched.
 */
class CorsTest {
  static final String APP = "https://app.example";
  @TempDir Path tmp;

  private static HttpResponse<byte[]> preflight(Harness h, String origin) throws Exception {
    return h.send("OPTIONS", "/v1/jobs", null, "Origin", origin, "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "authorization,content-type");
  }

  @Test
  void offByDefault() throws Exception {
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)), null)) {
      HttpResponse<byte[]> pre = preflight(h, APP);
      assertTrue(pre.statusCode() >= 400 && pre.statusCode() < 500, "refused: " + pre.statusCode());
      assertTrue(pre.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
      assertFalse(pre.headers().firstValue("Access-Control-Allow-Origin").isPresent());
      HttpResponse<byte[]> get = h.send("GET", "/v1/models", null, "Origin", APP);
      assertEquals(200, get.statusCode(), "the server answers; the browser withholds it from the page");
      assertFalse(get.headers().firstValue("Access-Control-Allow-Origin").isPresent());
    }
  }

  @Test
  void anAllowedOriginGetsPreflightsAndHeadersOthersA403() throws Exception {
    Path keys = tmp.resolve("keys.jsonl");
    String key = ApiKeyFile.add(keys, "web", Scope.SAMPLE).key();
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)),
        b -> b.apiKeys(keys).corsAllowedOrigins(List.of(APP)))) {
      HttpResponse<byte[]> pre = preflight(h, APP);
      assertTrue(pre.statusCode() == 200 || pre.statusCode() == 204, "answered without a key: " + pre.statusCode());
      assertEquals(APP, pre.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
      String methods = pre.headers().firstValue("Access-Control-Allow-Methods").orElse("");
      assertTrue(methods.contains("POST") && methods.contains("DELETE"), methods);
      assertTrue(pre.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase()
          .contains("authorization"));
      assertFalse(pre.headers().firstValue("Access-Control-Allow-Credentials").map("true"::equals).orElse(false));

      HttpResponse<byte[]> get = h.send("GET", "/v1/models", null, "Origin", APP, "Authorization", "Bearer " + key);
      assertEquals(200, get.statusCode());
      assertEquals(APP, get.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
      assertTrue(get.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("Location"));
      HttpResponse<byte[]> anon = h.send("GET", "/v1/models", null, "Origin", APP);
      assertEquals(401, anon.statusCode(), "CORS lets the browser read answers; it is no credential");
      assertEquals(APP, anon.headers().firstValue("Access-Control-Allow-Origin").orElse(""),
          "the page can read the 401");

      for (HttpResponse<byte[]> r : List.of(preflight(h, "http://evil.example"),
          h.send("GET", "/v1/models", null, "Origin", "http://evil.example", "Authorization", "Bearer " + key))) {
        assertEquals(403, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertFalse(r.headers().firstValue("Access-Control-Allow-Origin").isPresent());
      }
      HttpResponse<byte[]> same = h.send("GET", "/v1/models", null, "Origin", h.base, "Authorization", "Bearer " + key);
      assertEquals(200, same.statusCode(), "the bundled page is same-origin");
      assertEquals(200, h.send("GET", "/v1/models", null, "Authorization", "Bearer " + key).statusCode());

      String token = h.json(h.send("POST", "/v1/ws-tokens", null, "Origin", APP, "Authorization", "Bearer " + key))
          .getString("token");
      WebSocket ws = h.http.newWebSocketBuilder().header("Origin", APP)
          .buildAsync(URI.create(h.base.replace("http", "ws") + "/v1/events?token=" + token), new Harness.Ws())
          .get(10, TimeUnit.SECONDS);
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    }
  }

  @Test
  void theConfigurationTakesOriginsOnlyAndNamesTheKey() {
    var cfg = dev.dpm.server.config.ServerConfig.builder()
        .applyEnv(java.util.Map.of("DPM_CORS_ORIGINS", "https://a.example, http://b.example:8080")).build();
    assertEquals(List.of("https://a.example", "http://b.example:8080"), cfg.corsAllowedOrigins());
    assertEquals(List.of(), dev.dpm.server.config.ServerConfig.builder().build().corsAllowedOrigins(), "off by default");
    assertEquals(16, dev.dpm.server.config.ServerConfig.builder().build().tenantMaxRunningJobs());
    for (String bad : List.of("*", "https://a.example/path", "a.example")) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> dev.dpm.server.config.ServerConfig.builder().corsAllowedOrigins(List.of(bad)).build());
      assertTrue(e.getMessage().startsWith("corsAllowedOrigins"), e.getMessage());
    }
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> dev.dpm.server.config.ServerConfig.builder().tenantMaxRunningJobs(0).build());
  }
}
