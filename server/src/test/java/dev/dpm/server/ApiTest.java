package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.api.Contract;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP edge: contract ↔ routes, hostile input, idempotency, models, health, metrics. */
class ApiTest {
  @TempDir static Path tmp;
  static Harness h;

  @BeforeAll
  static void start() throws Exception {
    h = new Harness(tmp.resolve("data"), List.of(
        Toys.model("toy", new Toys.ToyPredictor(2), tmp),
        Toys.imageModel("img", new Toys.ToyPredictor(16), tmp)), b -> b.maxN(4096).maxBodyBytes(16 * 1024));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void everyRouteIsInTheContractAndViceVersa() {
    Set<String> spec = new TreeSet<>();
    JsonObject paths = Contract.raw().getJsonObject("paths");
    for (String p : paths.fieldNames()) {
      for (String m : paths.getJsonObject(p).fieldNames()) {
        if (List.of("get", "post", "put", "delete", "patch").contains(m)) {
          spec.add(m.toUpperCase() + " " + p.replaceAll("\\{([^}]+)}", ":$1"));
        }
      }
    }
    Set<String> routes = new TreeSet<>();
    for (Route r : h.server.api().router().getRoutes()) {
      if (r.getPath() == null || r.methods() == null) {
        continue; // the catch-all failure route
      }
      for (var m : r.methods()) {
        routes.add(m.name() + " " + r.getPath());
      }
    }
    assertEquals(spec, routes);
    assertTrue(spec.size() >= 14, "spec has " + spec);
  }

  /** {method, path, body, expected status (0 = any 4xx), expected field (or null)}. */
  static List<Object[]> hostile() {
    String big = "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"pad\":\"" + "x".repeat(40_000) + "\"}";
    List<Object[]> c = new ArrayList<>();
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":", 400, "body"});
    c.add(new Object[] {"POST", "/v1/jobs", "[]", 400, null});
    c.add(new Object[] {"POST", "/v1/jobs", "\"string\"", 400, null});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"sampler\":{\"name\":\"ddpm\"}}", 400, "model"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\"}", 400, "sampler"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":123,\"sampler\":{\"name\":\"ddpm\"}}", 400, "model"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":\"ddim\"}", 400, "sampler"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"foo\"}}", 400, "sampler.name"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":\"ten\"}}", 400, "sampler.steps"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":0}}", 400, "sampler.steps"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":2000}}", 400, "sampler.steps"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"n\":0}", 400, "n"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"n\":-5}", 400, "n"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"n\":1000000000000}", 400, "n"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"n\":5000}", 400, "n"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"n\":1.5}", 400, "n"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"seed\":\"abc\"}", 400, "seed"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"outputs\":[\"gif\"]}", 400, "outputs.0"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"outputs\":[]}", 400, "outputs"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"previewEvery\":-1}", 400, "previewEvery"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"deadlineSeconds\":0}", 400, "deadlineSeconds"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"priority\":10}", 400, "priority"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"priority\":-1}", 400, "priority"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"priority\":1.5}", 400, "priority"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"},\"foo\":1}", 400, "foo"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"etta\":1}}", 400, "sampler.etta"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddim\",\"eta\":-1}}", 400, "sampler.eta"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddim\",\"clip-sigma2\":5}}", 400, "sampler.clip-sigma2"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddim\",\"steps\":5,\"clipped-eps\":\"yes\"}}", 400, "sampler.clipped-eps"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"nope\",\"sampler\":{\"name\":\"ddpm\"}}", 400, "model"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"../etc/passwd\",\"sampler\":{\"name\":\"ddpm\"}}", 400, "model"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"analytic-ddpm\"}}", 400, "sampler.name"});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"img\",\"sampler\":{\"name\":\"ddpm\"},\"n\":1,\"outputs\":[\"png\"],\"seed\":{}}", 400, "seed"});
    c.add(new Object[] {"POST", "/v1/jobs", big, 413, "body"});
    c.add(new Object[] {"POST", "/v1/jobs", "", 400, null});
    c.add(new Object[] {"POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"}", 400, "body"});
    c.add(new Object[] {"GET", "/v1/jobs/does-not-exist", null, 404, null});
    c.add(new Object[] {"GET", "/v1/jobs/bad$id", null, 400, "id"});
    c.add(new Object[] {"GET", "/v1/jobs?limit=0", null, 400, "limit"});
    c.add(new Object[] {"GET", "/v1/jobs?limit=abc", null, 400, "limit"});
    c.add(new Object[] {"GET", "/v1/jobs?status=bogus", null, 400, "status"});
    c.add(new Object[] {"GET", "/v1/jobs?cursor=%25%25garbage", null, 400, null});
    c.add(new Object[] {"GET", "/v1/jobs?cursor=garbage", null, 400, "cursor"});
    c.add(new Object[] {"DELETE", "/v1/jobs/unknown", null, 404, null});
    c.add(new Object[] {"GET", "/v1/jobs/unknown/result?format=gif", null, 400, "format"});
    c.add(new Object[] {"GET", "/v1/jobs/unknown/result?format=npy", null, 404, null});
    c.add(new Object[] {"GET", "/v1/jobs/unknown/result?index=-1", null, 400, "index"});
    c.add(new Object[] {"GET", "/v1/models/nope", null, 404, null});
    c.add(new Object[] {"POST", "/v1/models/nope/calibrations", "{}", 404, null});
    c.add(new Object[] {"POST", "/v1/models/toy/calibrations", "{\"samples\":1}", 400, "samples"});
    c.add(new Object[] {"PUT", "/v1/jobs", "{}", 405, null});
    c.add(new Object[] {"GET", "/nope", null, 404, null});
    c.add(new Object[] {"GET", "/v1/jobs/abc/events", null, 400, null});
    return c;
  }

  @Test
  void hostileRequestsGetProblemBodiesNever5xx() throws Exception {
    List<String> failures = new ArrayList<>();
    List<Object[]> cases = hostile();
    for (Object[] c : cases) {
      HttpResponse<byte[]> r = h.send((String) c[0], (String) c[1], (String) c[2]);
      String body = new String(r.body());
      String ct = r.headers().firstValue("Content-Type").orElse("");
      int want = (Integer) c[3];
      boolean ok = r.statusCode() >= 400 && r.statusCode() < 500 && (want == 0 || r.statusCode() == want)
          && ct.startsWith("application/problem+json");
      if (ok) {
        JsonObject p = new JsonObject(body);
        ok = p.getInteger("status") == r.statusCode() && p.getString("title") != null && p.getString("type") != null;
        if (ok && c[4] != null) {
          ok = p.getJsonArray("errors") != null && p.getJsonArray("errors").stream()
              .anyMatch(e -> c[4].equals(((JsonObject) e).getString("field")));
        }
      }
      if (!ok) {
        failures.add(c[0] + " " + c[1] + " " + (c[2] == null ? "" : ((String) c[2]).substring(0, Math.min(80, ((String) c[2]).length())))
            + " -> " + r.statusCode() + " " + ct + " " + body.substring(0, Math.min(300, body.length())));
      }
    }
    // wrong content type and oversize header-level input
    HttpResponse<byte[]> txt = h.send("POST", "/v1/jobs", "model=toy", "Content-Type", "text/plain");
    if (txt.statusCode() != 415 && txt.statusCode() != 400) {
      failures.add("text/plain -> " + txt.statusCode() + " " + new String(txt.body()));
    }
    HttpResponse<byte[]> key = h.send("POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\"}}",
        "Idempotency-Key", "k".repeat(300));
    if (key.statusCode() != 400 || !new String(key.body()).contains("Idempotency-Key")) {
      failures.add("long Idempotency-Key -> " + key.statusCode() + " " + new String(key.body()));
    }
    assertTrue(cases.size() + 2 >= 30);
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  @Test
  void idempotencyKeyReturnsTheSameJob() throws Exception {
    String body = "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddim\",\"steps\":5},\"n\":2,\"seed\":1}";
    HttpResponse<byte[]> a = h.send("POST", "/v1/jobs", body, "Idempotency-Key", "key-1");
    HttpResponse<byte[]> b = h.send("POST", "/v1/jobs", body, "Idempotency-Key", "key-1");
    assertEquals(202, a.statusCode());
    assertEquals(200, b.statusCode());
    assertEquals(h.json(a).getString("id"), h.json(b).getString("id"));
    HttpResponse<byte[]> c = h.send("POST", "/v1/jobs", body.replace("\"seed\":1", "\"seed\":2"), "Idempotency-Key", "key-1");
    assertEquals(409, c.statusCode());
    assertEquals("Idempotency-Key", h.json(c).getJsonArray("errors").getJsonObject(0).getString("field"));
  }

  @Test
  void jobEchoesFilledDefaultsAndLinks() throws Exception {
    JsonObject j = h.submit("{\"model\":\"img\",\"sampler\":{\"name\":\"ddim\"},\"n\":3,\"seed\":5}");
    assertEquals(10, j.getJsonObject("sampler").getInteger("steps"));
    assertEquals(0.05, j.getJsonObject("sampler").getDouble("eta"));
    assertEquals("queued", j.getString("status"));
    JsonObject done = h.await(j.getString("id"), 10_000);
    assertEquals("succeeded", done.getString("status"));
    String png = done.getJsonObject("results").getString("png");
    HttpResponse<byte[]> grid = h.send("GET", png, null);
    assertEquals(200, grid.statusCode());
    assertEquals("image/png", grid.headers().firstValue("Content-Type").orElse(""));
    assertEquals((byte) 0x89, grid.body()[0]);
    String one = done.getJsonObject("results").getString("samplePng").replace("{index}", "2");
    assertEquals(200, h.send("GET", one, null).statusCode());
    assertEquals(400, h.send("GET", one.replace("index=2", "index=3"), null).statusCode());
    JsonObject seedless = h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":3}}");
    assertNotNull(seedless.getLong("seed"));
    assertEquals(1, seedless.getInteger("n"));
  }

  @Test
  void listPagesNewestFirst() throws Exception {
    for (int i = 0; i < 5; i++) {
      h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":2},\"seed\":" + i + "}");
    }
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = h.json(h.send("GET", "/v1/jobs?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), null));
      page.getJsonArray("items").forEach(o -> ids.add(((JsonObject) o).getString("id")));
      cursor = page.getString("nextCursor");
    } while (cursor != null);
    assertTrue(ids.size() >= 5);
    assertEquals(ids.size(), new java.util.HashSet<>(ids).size(), "no duplicates across pages");
    List<String> sorted = new ArrayList<>(ids);
    sorted.sort(java.util.Comparator.reverseOrder());
    assertEquals(sorted, ids, "newest first (ids are time-ordered)");
  }

  @Test
  void modelsHealthAndMetrics() throws Exception {
    JsonObject models = h.json(h.send("GET", "/v1/models", null));
    assertEquals(2, models.getJsonArray("items").size());
    JsonObject toy = h.json(h.send("GET", "/v1/models/toy", null));
    assertEquals(false, toy.getJsonObject("gamma").getBoolean("present"));
    assertEquals("cpu", toy.getString("device"));
    assertEquals(18, toy.getJsonArray("samplers").size());
    assertEquals(0, toy.getJsonArray("heads").size());
    assertTrue(toy.getJsonArray("samplers").stream().map(o -> (JsonObject) o)
        .anyMatch(s -> s.getString("name").equals("sn-ddpm") && !s.getBoolean("available")
            && s.getString("reason").contains("eps2")), "the toy network has no second head");
    assertTrue(toy.getJsonArray("samplers").stream().map(o -> (JsonObject) o)
        .anyMatch(s -> s.getString("name").equals("unipc") && s.getBoolean("available")));
    assertTrue(toy.getJsonArray("samplers").stream().map(o -> (JsonObject) o)
        .anyMatch(s -> s.getString("name").equals("analytic-ddpm") && !s.getBoolean("available")));
    assertEquals(200, h.send("GET", "/health", null).statusCode());
    assertEquals(200, h.send("GET", "/health/ready", null).statusCode());
    h.await(h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":3},\"n\":2}").getString("id"), 10_000);
    String metrics = new String(h.send("GET", "/metrics", null).body());
    for (String m : List.of("dpm_jobs{", "dpm_queue_depth", "dpm_batch_rows", "dpm_evaluation_seconds", "dpm_samples_total",
        "vertx_http_server")) {
      assertTrue(metrics.contains(m), "metrics lack " + m);
    }
    HttpResponse<byte[]> page = h.send("GET", "/", null);
    assertEquals(200, page.statusCode());
    assertTrue(new String(page.body()).contains("<html"));
  }
}
