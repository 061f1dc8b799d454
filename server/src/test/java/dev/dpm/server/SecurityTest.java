package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.security.ApiKeyFile;
import dev.dpm.server.security.Scope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access matrix over HTTP and WebSocket: anonymous, a wrong key, tenant A, tenant B and an admin key against every
 * route. Another tenant's job is a 404 (never a 403); Γ installs and {@code /metrics} need the admin scope; health
 * stays open. Also per-tenant quotas and per-tenant Idempotency-Keys.
 */
class SecurityTest {
  static final String JOB = "{\"model\":\"toy\",\"n\":2,\"seed\":1,\"sampler\":{\"name\":\"ddpm\",\"steps\":20}}";
  @TempDir static Path tmp;
  static Harness h;
  static SlowPredictor slow = new SlowPredictor();
  static String keyA;
  static String keyB;
  static String admin;
  static Path keys;

  @BeforeAll
  static void start() throws Exception {
    keys = tmp.resolve("keys.jsonl");
    keyA = ApiKeyFile.add(keys, "tenant-a", Scope.SAMPLE).key();
    keyB = ApiKeyFile.add(keys, "tenant-b", Scope.SAMPLE).key();
    admin = ApiKeyFile.add(keys, "ops", Scope.ADMIN).key();
    h = new Harness(tmp.resolve("data"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp),
        Toys.model("slow", slow, tmp.resolve("slow"))),
        b -> b.apiKeys(keys).tenantMaxQueuedJobs(2).allowedOrigins(List.of()));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static HttpResponse<byte[]> as(String key, String method, String path, String body, String... more) throws Exception {
    List<String> hs = new ArrayList<>(List.of(more));
    if (key != null) {
      hs.add("Authorization");
      hs.add("Bearer " + key);
    }
    return h.send(method, path, body, hs.toArray(String[]::new));
  }

  static void assertProblem(HttpResponse<byte[]> r, int status) {
    String body = new String(r.body());
    assertEquals(status, r.statusCode(), body);
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), body);
    assertEquals(status, new JsonObject(body).getInteger("status"), body);
  }

  @Test
  void keyFileStoresHashesOnly() throws Exception {
    String text = Files.readString(keys);
    assertTrue(!text.contains(keyA) && !text.contains(keyB) && !text.contains(admin), text);
    assertTrue(text.contains(ApiKeyFile.sha256(keyA)), text);
    assertEquals(3, ApiKeyFile.load(keys).size());
  }

  @Test
  void everyV1RouteNeedsAKeyHealthDoesNot() throws Exception {
    String[][] routes = {{"GET", "/v1/jobs"}, {"GET", "/v1/jobs/j_x"}, {"DELETE", "/v1/jobs/j_x"},
        {"GET", "/v1/jobs/j_x/result"}, {"GET", "/v1/models"}, {"GET", "/v1/models/toy"}, {"POST", "/v1/jobs"},
        {"POST", "/v1/models/toy/calibrations"}, {"GET", "/metrics"}, {"GET", "/v1/jobs/j_x/events"}};
    for (String[] rt : routes) {
      String body = rt[0].equals("POST") ? JOB : null;
      HttpResponse<byte[]> anon = as(null, rt[0], rt[1], body);
      assertProblem(anon, 401);
      assertTrue(anon.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), rt[1]);
      HttpResponse<byte[]> wrong = as("dpm_nope_" + "x".repeat(43), rt[0], rt[1], body);
      assertProblem(wrong, 401);
      assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").contains("invalid_token"), rt[1]);
      assertProblem(h.send(rt[0], rt[1], body, "Authorization", "Basic " + keyA), 401);
    }
    assertEquals(200, as(null, "GET", "/health", null).statusCode());
    assertNotEquals(401, as(null, "GET", "/health/ready", null).statusCode());
    assertEquals(200, as(keyA, "GET", "/v1/models", null).statusCode());
    assertEquals(200, as(keyA, "GET", "/v1/models", null, "Authorization", "bearer " + keyA).statusCode());
  }

  @Test
  void modelAdministrationNeedsTheAdminScope() throws Exception {
    for (String op : List.of("load", "unload", "reload")) {
      String path = "/v1/admin/models/toy/" + op;
      assertProblem(as(null, "POST", path, null), 401);
      assertProblem(as(keyA, "POST", path, null), 403);
    }
    // an admin key passes the scope check and reaches the registry, which answers for itself: these test models
    // are no folders of a models directory, so a 404 naming that (not a 403)
    HttpResponse<byte[]> r = as(admin, "POST", "/v1/admin/models/toy/load", null);
    assertProblem(r, 404);
    assertTrue(h.json(r).getString("detail").contains("models directory"), new String(r.body()));
    assertProblem(as(admin, "POST", "/v1/admin/models/no-such-model/reload", null), 404);
    assertEquals(200, as(keyA, "GET", "/v1/models/toy", null).statusCode(), "toy still served");
  }

  @Test
  void anotherTenantsJobIsNotFound() throws Exception {
    JsonObject job = h.json(as(keyA, "POST", "/v1/jobs", JOB));
    String id = job.getString("id");
    assertEquals(200, as(keyA, "GET", "/v1/jobs/" + id, null).statusCode());
    for (String other : List.of(keyB, admin)) {
      HttpResponse<byte[]> r = as(other, "GET", "/v1/jobs/" + id, null);
      assertProblem(r, 404);
      assertEquals(h.json(as(other, "GET", "/v1/jobs/j_nosuchjob", null)).getString("detail")
          .replace("j_nosuchjob", id), h.json(r).getString("detail"), "the same answer as a job that does not exist");
      assertProblem(as(other, "GET", "/v1/jobs/" + id + "/result", null), 404);
      assertProblem(as(other, "DELETE", "/v1/jobs/" + id, null), 404);
      JsonArray items = h.json(as(other, "GET", "/v1/jobs?limit=100", null)).getJsonArray("items");
      assertTrue(items.stream().noneMatch(o -> id.equals(((JsonObject) o).getString("id"))), items.encode());
    }
    awaitAs(keyA, id);
    assertEquals(200, as(keyA, "GET", "/v1/jobs/" + id + "/result", null).statusCode());
    JsonArray mine = h.json(as(keyA, "GET", "/v1/jobs?limit=100", null)).getJsonArray("items");
    assertTrue(mine.stream().anyMatch(o -> id.equals(((JsonObject) o).getString("id"))), mine.encode());
  }

  @Test
  void eventSocketsAreTenantScoped() throws Exception {
    String id = h.json(as(keyA, "POST", "/v1/jobs", JOB)).getString("id");
    String url = h.base.replace("http", "ws") + "/v1/jobs/" + id + "/events";
    assertEquals(401, handshakeStatus(url, null));
    assertEquals(401, handshakeStatus(url, "dpm_wrong"));
    assertEquals(404, handshakeStatus(url, keyB));
    Harness.Ws mine = ws(url, keyA);
    assertEquals(id, mine.next(10_000).getString("jobId"));

    String all = h.base.replace("http", "ws") + "/v1/events";
    assertEquals(401, handshakeStatus(all, null));
    Harness.Ws b = ws(all, keyB);
    Harness.Ws a = ws(all, keyA);
    String idA = h.json(as(keyA, "POST", "/v1/jobs", JOB)).getString("id");
    String idB = h.json(as(keyB, "POST", "/v1/jobs", JOB)).getString("id");
    awaitEventOf(a, idA, List.of(idB)); // A's stream: A's jobs (other A jobs may still be running), never B's
    awaitEventOf(b, idB, List.of(idA, id));
    awaitAs(keyA, idA);
    awaitAs(keyB, idB);
    JsonObject e;
    while ((e = b.events.poll(200, TimeUnit.MILLISECONDS)) != null) {
      assertTrue(!e.getString("jobId").equals(idA) && !e.getString("jobId").equals(id), "A's event on B's stream: "
          + e.encode());
    }
    a.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    b.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
  }

  @Test
  void browsersOpenWebSocketsWithAShortLivedSingleUseToken() throws Exception {
    assertProblem(as(null, "POST", "/v1/ws-tokens", null), 401);
    HttpResponse<byte[]> issued = as(keyA, "POST", "/v1/ws-tokens", null);
    assertEquals(200, issued.statusCode(), new String(issued.body()));
    assertEquals("no-store", issued.headers().firstValue("Cache-Control").orElse(""));
    JsonObject t = h.json(issued);
    assertEquals(60, t.getInteger("expiresInSeconds"));
    String token = t.getString("token");
    assertTrue(token.startsWith("wst_") && !token.contains(keyA), token);

    String id = h.json(as(keyA, "POST", "/v1/jobs", JOB)).getString("id");
    String url = h.base.replace("http", "ws") + "/v1/jobs/" + id + "/events?token=";
    Harness.Ws mine = new Harness.Ws();
    mine.socket = h.http.newWebSocketBuilder().buildAsync(URI.create(url + token), mine).get(10, TimeUnit.SECONDS);
    assertEquals(id, mine.next(10_000).getString("jobId"), "the token stands for A's key");
    assertEquals(401, handshakeStatus(url + token, null), "a token works once");
    assertEquals(401, handshakeStatus(url + "wst_forged", null));
    String tokenB = h.json(as(keyB, "POST", "/v1/ws-tokens", null)).getString("token");
    assertEquals(404, handshakeStatus(url + tokenB, null), "B's token does not open A's job");
    String all = h.json(as(keyB, "POST", "/v1/ws-tokens", null)).getString("token");
    Harness.Ws streamB = new Harness.Ws();
    streamB.socket = h.http.newWebSocketBuilder()
        .buildAsync(URI.create(h.base.replace("http", "ws") + "/v1/events?token=" + all), streamB).get(10, TimeUnit.SECONDS);
    streamB.socket.sendClose(WebSocket.NORMAL_CLOSURE, "").join();

    String forHttp = h.json(as(keyA, "POST", "/v1/ws-tokens", null)).getString("token");
    assertProblem(h.send("GET", "/v1/jobs/" + id + "?token=" + forHttp, null), 401);
    assertProblem(h.send("GET", "/v1/jobs?token=" + forHttp, null), 401);
    assertEquals(404, handshakeStatus(url.replace("/events?token=", "x/events?token=") + forHttp, null),
        "a token is no key on other routes, but still opens a WebSocket");

    String evil = h.json(as(keyA, "POST", "/v1/ws-tokens", null)).getString("token");
    var b = h.http.newWebSocketBuilder().header("Origin", "http://evil.example");
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> b.buildAsync(URI.create(url + evil), new Harness.Ws()).get(10, TimeUnit.SECONDS));
    assertEquals(403, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode(),
        "a token does not lift the Origin check");
    awaitAs(keyA, id);
    assertEquals(1000, mine.closed.get(10, TimeUnit.SECONDS), "the token's socket ran to the terminal event");
  }

  @Test
  void sharedStateNeedsTheAdminScope() throws Exception {
    String install = "{\"samples\":64,\"install\":true}";
    assertProblem(as(keyA, "POST", "/v1/models/toy/calibrations", install), 403);
    HttpResponse<byte[]> ok = as(admin, "POST", "/v1/models/toy/calibrations", install);
    assertEquals(202, ok.statusCode(), new String(ok.body()));
    awaitAs(admin, h.json(ok).getString("id"));
    HttpResponse<byte[]> estimate = as(keyA, "POST", "/v1/models/toy/calibrations", "{\"samples\":64}");
    assertEquals(202, estimate.statusCode(), "an estimate that installs nothing is anyone's: " + new String(estimate.body()));
    awaitAs(keyA, h.json(estimate).getString("id"));
    assertProblem(as(keyA, "GET", "/metrics", null), 403);
    assertEquals(200, as(admin, "GET", "/metrics", null).statusCode());
  }

  @Test
  void idempotencyKeysArePerTenant() throws Exception {
    HttpResponse<byte[]> a = as(keyA, "POST", "/v1/jobs", JOB, "Idempotency-Key", "same-key");
    HttpResponse<byte[]> b = as(keyB, "POST", "/v1/jobs", JOB, "Idempotency-Key", "same-key");
    assertEquals(202, a.statusCode());
    assertEquals(202, b.statusCode(), "B's key is B's own: " + new String(b.body()));
    assertNotEquals(h.json(a).getString("id"), h.json(b).getString("id"));
    HttpResponse<byte[]> again = as(keyA, "POST", "/v1/jobs", JOB, "Idempotency-Key", "same-key");
    assertEquals(200, again.statusCode());
    assertEquals(h.json(a).getString("id"), h.json(again).getString("id"));
    awaitAs(keyA, h.json(a).getString("id"));
    awaitAs(keyB, h.json(b).getString("id"));
  }

  @Test
  void aTenantsQuotaLeavesRoomForOthers() throws Exception {
    slow.sleepMicros = 20_000;
    String body = "{\"model\":\"slow\",\"n\":1,\"seed\":1,\"sampler\":{\"name\":\"ddpm\",\"steps\":100}}";
    List<String> ids = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        HttpResponse<byte[]> r = as(keyA, "POST", "/v1/jobs", body);
        assertEquals(202, r.statusCode(), new String(r.body()));
        ids.add(h.json(r).getString("id"));
      }
      HttpResponse<byte[]> third = as(keyA, "POST", "/v1/jobs", body);
      assertProblem(third, 429);
      assertEquals("/problems/quota-exceeded", h.json(third).getString("type"));
      HttpResponse<byte[]> other = as(keyB, "POST", "/v1/jobs", body);
      assertEquals(202, other.statusCode(), "B is not sent to 429 by A: " + new String(other.body()));
      ids.add(0, "B:" + h.json(other).getString("id"));
    } finally {
      slow.sleepMicros = 0;
      for (String id : ids) {
        if (id.startsWith("B:")) {
          awaitAs(keyB, id.substring(2));
        } else {
          awaitAs(keyA, id);
        }
      }
    }
  }

  @Test
  void aRevokedKeyStopsWorking() throws Exception {
    ApiKeyFile.NewKey k = ApiKeyFile.add(keys, "tenant-c", Scope.SAMPLE);
    long until = System.currentTimeMillis() + 10_000;
    int status = 0;
    while (System.currentTimeMillis() < until && (status = as(k.key(), "GET", "/v1/models", null).statusCode()) != 200) {
      Thread.sleep(100);
    }
    assertEquals(200, status, "a key added to the file is picked up");
    assertTrue(ApiKeyFile.revoke(keys, k.entry().id()));
    until = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < until && (status = as(k.key(), "GET", "/v1/models", null).statusCode()) != 401) {
      Thread.sleep(100);
    }
    assertEquals(401, status, "a revoked key is refused");
  }

  @Test
  void aServerWithKeysMayBindAnyAddress() {
    assertEquals("0.0.0.0", dev.dpm.server.config.ServerConfig.builder().host("0.0.0.0").apiKeys(keys).build().host());
    assertThrows(IllegalArgumentException.class, () -> ApiKeyFile.add(tmp.resolve("k2"), "bad tenant!", Scope.SAMPLE));
    assertNull(dev.dpm.server.config.ServerConfig.builder().build().apiKeys());
  }

  /** Reads events until one of {@code id}; none may be of {@code foreign}. */
  static void awaitEventOf(Harness.Ws ws, String id, List<String> foreign) throws Exception {
    while (true) {
      JsonObject e = ws.next(10_000);
      assertTrue(!foreign.contains(e.getString("jobId")), "another tenant's event: " + e.encode());
      if (id.equals(e.getString("jobId"))) {
        return;
      }
    }
  }

  static JsonObject awaitAs(String key, String id) throws Exception {
    long until = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < until) {
      JsonObject j = h.json(as(key, "GET", "/v1/jobs/" + id, null));
      String s = j.getString("status");
      if ("succeeded".equals(s) || "failed".equals(s) || "canceled".equals(s)) {
        return j;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("job " + id + " did not finish");
  }

  static Harness.Ws ws(String url, String key) throws Exception {
    Harness.Ws l = new Harness.Ws();
    l.socket = h.http.newWebSocketBuilder().header("Authorization", "Bearer " + key)
        .buildAsync(URI.create(url), l).get(10, TimeUnit.SECONDS);
    return l;
  }

  static int handshakeStatus(String url, String key) throws Exception {
    var b = h.http.newWebSocketBuilder();
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    try {
      WebSocket w = b.buildAsync(URI.create(url), new Harness.Ws()).get(10, TimeUnit.SECONDS);
      w.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
      return 101;
    } catch (ExecutionException | CompletionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException w) {
        return w.getResponse().statusCode();
      }
      throw e;
    }
  }
}
