package dev.dpm.server.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.Harness;
import dev.dpm.server.Toys;
import dev.dpm.server.api.Contract;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routes for browsers: sampler catalog, contract, API page, favicon, page assets. */
class WebRoutesTest {
  @TempDir static Path tmp;
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    h = new Harness(tmp.resolve("data"), List.of(
        Toys.model("toy", new Toys.ToyPredictor(2), tmp),
        Toys.imageModel("img", new Toys.ToyPredictor(16), tmp)), null);
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static JsonObject find(JsonArray a, String name) {
    for (Object o : a) {
      if (((JsonObject) o).getString("name").equals(name)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError(name + " not in " + a.encode());
  }

  @Test
  void samplerCatalogDescribesParametersPerModel() throws Exception {
    HttpResponse<byte[]> r = h.send("GET", "/v1/samplers?model=img", null);
    assertEquals(200, r.statusCode(), new String(r.body()));
    JsonObject c = h.json(r);
    assertEquals("img", c.getString("model"));
    JsonObject eta = find(c.getJsonArray("parameters"), "eta");
    assertEquals(new JsonArray().add("ddim").add("analytic-ddim").add("sn-ddim").add("npr-ddim"),
        eta.getJsonArray("appliesTo"));
    JsonObject sn = find(c.getJsonArray("samplers"), "sn-ddpm");
    assertFalse(sn.getBoolean("available"));
    assertTrue(sn.getString("reason").contains("eps2 head"), sn.encode());
    assertEquals(0.0, eta.getDouble("min"));
    assertFalse(eta.getString("help").isBlank());
    JsonObject ddpm = find(c.getJsonArray("samplers"), "ddpm");
    assertEquals(1, ddpm.getJsonObject("parameters").getJsonObject("clip-sigma2").getInteger("default"), "8-bit image");
    assertTrue(ddpm.getJsonObject("parameters").getJsonObject("steps").getBoolean("required"));
    assertEquals(1000.0, ddpm.getJsonObject("parameters").getJsonObject("steps").getDouble("max"));
    assertNull(ddpm.getJsonObject("parameters").getJsonObject("eta"), "eta does not apply to ddpm");
    assertFalse(find(c.getJsonArray("samplers"), "analytic-ddpm").getBoolean("available"), "no Γ");
    assertFalse(find(c.getJsonArray("samplers"), "ode-rk45").getJsonObject("parameters").containsKey("steps"));
    JsonObject generic = h.json(h.send("GET", "/v1/samplers", null));
    assertNull(generic.getString("model"));
    assertEquals(0, find(generic.getJsonArray("samplers"), "ddpm").getJsonObject("parameters")
        .getJsonObject("clip-sigma2").getInteger("default"));
    HttpResponse<byte[]> missing = h.send("GET", "/v1/samplers?model=nope", null);
    assertEquals(404, missing.statusCode());
    assertTrue(missing.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
  }

  @Test
  void contractPageAndIconAreServed() throws Exception {
    HttpResponse<byte[]> y = h.send("GET", "/openapi.yaml", null);
    assertEquals(200, y.statusCode());
    assertArrayEquals(Files.readAllBytes(Path.of(System.getProperty("dpm.root", "..")).resolve("openapi.yaml")), y.body());
    String docs = new String(h.send("GET", "/docs", null).body(), StandardCharsets.UTF_8);
    JsonObject paths = Contract.raw().getJsonObject("paths");
    for (String p : paths.fieldNames()) {
      assertTrue(docs.contains("<code>" + p.replace("&", "&amp;") + "</code>"), p);
    }
    assertTrue(docs.contains("id=\"schema-JobRequest\""));
    HttpResponse<byte[]> ico = h.send("GET", "/favicon.ico", null);
    assertEquals(200, ico.statusCode());
    assertArrayEquals(new byte[] {0, 0, 1, 0}, java.util.Arrays.copyOf(ico.body(), 4), "ICO header");
    HttpResponse<byte[]> js = h.send("GET", "/web/app.js", null);
    assertEquals(200, js.statusCode());
    assertTrue(new String(js.body(), StandardCharsets.UTF_8).contains("/v1/samplers"));
    assertEquals(404, h.send("GET", "/web/nothing.js", null).statusCode());
    assertEquals(400, h.send("GET", "/web/app.exe", null).statusCode());
    String page = new String(h.send("GET", "/", null).body(), StandardCharsets.UTF_8);
    assertTrue(page.contains("/web/app.js") && page.contains("/favicon.ico"));
  }
}
