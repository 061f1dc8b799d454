package dev.dpm.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.DpmServer;
import dev.dpm.server.Toys;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.runtime.model.TorchScriptPredictor;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.server.security.ApiKeyFile;
import dev.dpm.server.security.Scope;
import dev.dpm.server.store.pg.EmbeddedStore;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two API nodes of one cluster, in this JVM (clustered Vert.x over Hazelcast on loopback, one embedded PostgreSQL,
 * no worker: jobs stay queued): the same new Idempotency-Key sent to both at once gives one job (or a 409 for
 * another body), never a 500; the queue limit and the tenant quotas hold for both nodes together, also for a burst
 * at both at once; {@code /health} and {@code /health/ready} name the node and its role, {@code /metrics} samples
 * carry its {@code node} label. The nodes load the TorchScript model's manifest only (as {@code --role api} does) and
 * validate its requests from it.
 */
class ApiNodesTest {
  @TempDir static Path tmp;
  static EmbeddedStore pg;
  static String url;
  static DpmServer a;
  static DpmServer b;
  static final Map<String, String> KEYS = new HashMap<>();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final int MAX_JOBS = 5;
  static final int TENANT_MAX_JOBS = 3;
  static final Path FIXTURES = Path.of(System.getProperty("dpm.root", "..")).resolve("runtime/src/test/resources/fixtures");
  static final String NET = "tiny-mlp-2d";
  static Path models;

  static String body(int seed) {
    return "{\"model\":\"toy\",\"n\":2,\"seed\":" + seed + ",\"sampler\":{\"name\":\"ddpm\",\"steps\":20}}";
  }

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedStore.start(tmp.resolve("pg"), 0);
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE api_nodes");
    }
    url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/api_nodes?user=postgres";
    Path keys = tmp.resolve("keys.jsonl");
    for (String t : List.of("tenant-a", "tenant-b", "tenant-c")) {
      KEYS.put(t, ApiKeyFile.add(keys, t, Scope.SAMPLE).key());
    }
    KEYS.put("ops", ApiKeyFile.add(keys, "ops", Scope.ADMIN).key());
    models = tmp.resolve("models");
    Files.createDirectories(models.resolve("toy"));
    Files.writeString(models.resolve("toy").resolve("model.json"), "{\"name\":\"toy\",\"kind\":\"gaussian-mixture\","
        + "\"sampleShape\":[2],\"dataRange\":null,\"prediction\":\"eps\",\"timeInput\":\"index\","
        + "\"schedule\":{\"type\":\"linear\",\"steps\":1000},\"mixture\":{\"weights\":[0.5,0.5],"
        + "\"means\":[[0.5,0.5],[-0.5,-0.5]],\"stds\":[0.1,0.1]}}");
    Path net = models.resolve(NET);
    Files.createDirectories(net);
    for (String f : new String[] {"model.json", "model.pt"}) {
      Files.copy(FIXTURES.resolve(NET).resolve(f), net.resolve(f));
    }
    int pa = freePort();
    int pb = freePort();
    List<String> members = List.of("127.0.0.1:" + pa, "127.0.0.1:" + pb);
    CompletableFuture<DpmServer> fa = CompletableFuture.supplyAsync(() -> node("api-a", pa, members, keys));
    CompletableFuture<DpmServer> fb = CompletableFuture.supplyAsync(() -> node("api-b", pb, members, keys));
    a = fa.get();
    b = fb.get();
  }

  static DpmServer node(String id, int port, List<String> members, Path keys) {
    try {
      ServerConfig config = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(tmp.resolve(id))
          .modelsDir(models).progressIntervalMs(0).previewIntervalMs(0).shutdownGraceSeconds(0).apiKeys(keys)
          .maxQueuedJobs(MAX_JOBS).tenantMaxQueuedJobs(TENANT_MAX_JOBS).build();
      ClusterConfig cluster = ClusterConfig.builder().setStore(url).setRole(Role.API).setHost("127.0.0.1")
          .optPort(port).optMembers(members).optNodeId(id).optClusterName("api-nodes-test").build();
      // as ./dpm serve --role api: the networks' manifests only
      DpmServer s = DpmServer.start(config, DefaultModelSource.manifestsOnly(), Toys.FACTORY,
          new ClusterBackend(cluster));
      if (!s.awaitReady(60_000)) {
        throw new IllegalStateException(id + " not ready");
      }
      return s;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    pg.close();
  }

  @BeforeEach
  void emptyQueue() throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("DELETE FROM jobs");
    }
  }

  static HttpRequest request(DpmServer node, String method, String path, String body, String tenant, String key) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
        .timeout(Duration.ofSeconds(30));
    if (tenant != null) {
      rb.header("Authorization", "Bearer " + KEYS.get(tenant));
    }
    if (key != null) {
      rb.header("Idempotency-Key", key);
    }
    if (body != null) {
      rb.header("Content-Type", "application/json");
    }
    return rb.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body)).build();
  }

  static CompletableFuture<HttpResponse<String>> submit(DpmServer node, String tenant, String key, int seed) {
    return HTTP.sendAsync(request(node, "POST", "/v1/jobs", body(seed), tenant, key),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> get(DpmServer node, String path, String tenant) throws Exception {
    return HTTP.send(request(node, "GET", path, null, tenant, null), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theSameNewKeyAtBothNodesAtOnceGivesOneJob() throws Exception {
    for (int i = 0; i < 5; i++) {
      emptyQueue();
      String key = "race-" + i;
      CompletableFuture<HttpResponse<String>> ra = submit(a, "tenant-a", key, 1);
      CompletableFuture<HttpResponse<String>> rb = submit(b, "tenant-a", key, 1);
      HttpResponse<String> x = ra.get();
      HttpResponse<String> y = rb.get();
      List<Integer> codes = new ArrayList<>(List.of(x.statusCode(), y.statusCode()));
      codes.sort(null);
      assertEquals(List.of(200, 202), codes, "one new job and one replay: " + x.body() + " / " + y.body());
      assertEquals(new JsonObject(x.body()).getString("id"), new JsonObject(y.body()).getString("id"), "one job");
    }
    emptyQueue();
    CompletableFuture<HttpResponse<String>> ra = submit(a, "tenant-a", "clash", 1);
    CompletableFuture<HttpResponse<String>> rb = submit(b, "tenant-a", "clash", 2);
    List<Integer> codes = new ArrayList<>(List.of(ra.get().statusCode(), rb.get().statusCode()));
    codes.sort(null);
    assertEquals(List.of(202, 409), codes, "another body with the key is a 409: " + ra.get().body() + " / "
        + rb.get().body());
    // the key is per tenant across the cluster too: another tenant's same key is its own job
    HttpResponse<String> other = submit(b, "tenant-b", "clash", 1).get();
    assertEquals(202, other.statusCode(), other.body());
  }

  @Test
  void theQueueLimitAndTheTenantQuotasHoldForBothNodesTogether() throws Exception {
    for (DpmServer node : List.of(a, b, a)) {
      assertEquals(202, submit(node, "tenant-a", null, 1).get().statusCode());
    }
    HttpResponse<String> quota = submit(b, "tenant-a", null, 1).get();
    assertEquals(429, quota.statusCode(), "tenant-a has 3 jobs over both nodes");
    assertTrue(quota.body().contains("quota-exceeded"), quota.body());
    assertEquals(202, submit(b, "tenant-b", null, 1).get().statusCode());
    assertEquals(202, submit(a, "tenant-b", null, 1).get().statusCode());
    HttpResponse<String> full = submit(a, "tenant-c", null, 1).get();
    assertEquals(429, full.statusCode(), "5 jobs over both nodes fill the queue");
    assertTrue(full.body().contains("queue-full"), full.body());
    assertTrue(full.headers().firstValue("Retry-After").isPresent());
  }

  @Test
  void aBurstAtBothNodesAtOnceAdmitsNoMoreThanTheLimits() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    Map<CompletableFuture<HttpResponse<String>>, String> tenantOf = new HashMap<>();
    for (int i = 0; i < 4; i++) {
      for (String t : List.of("tenant-a", "tenant-b", "tenant-c")) {
        CompletableFuture<HttpResponse<String>> f = submit(i % 2 == 0 ? a : b, t, null, i);
        all.add(f);
        tenantOf.put(f, t);
      }
    }
    int accepted = 0;
    Map<String, Integer> perTenant = new HashMap<>();
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get();
      assertTrue(r.statusCode() == 202 || r.statusCode() == 429, r.statusCode() + " " + r.body());
      if (r.statusCode() == 202) {
        accepted++;
        perTenant.merge(tenantOf.get(f), 1, Integer::sum);
      }
    }
    assertEquals(MAX_JOBS, accepted, "12 submits at two nodes: exactly the limit admitted " + perTenant);
    for (int n : perTenant.values()) {
      assertTrue(n <= TENANT_MAX_JOBS, perTenant.toString());
    }
  }

  @Test
  void healthNamesTheNodeAndMetricsCarryItsLabel() throws Exception {
    for (DpmServer node : List.of(a, b)) {
      String id = node == a ? "api-a" : "api-b";
      JsonObject health = new JsonObject(get(node, "/health", null).body());
      assertEquals(id, health.getString("node"));
      assertEquals("api", health.getString("role"));
      HttpResponse<String> ready = get(node, "/health/ready", null);
      assertEquals(200, ready.statusCode(), ready.body());
      assertEquals(id, new JsonObject(ready.body()).getString("node"));
      assertEquals("api", new JsonObject(ready.body()).getString("role"));
      String metrics = get(node, "/metrics", "ops").body();
      long samples = metrics.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
      long labelled = metrics.lines().filter(l -> !l.startsWith("#") && l.contains("node=\"" + id + "\"")).count();
      assertTrue(samples > 10, metrics);
      assertEquals(samples, labelled, "every sample carries node=\"" + id + "\"");
      assertTrue(metrics.contains("dpm_queue_depth{node=\"" + id + "\",role=\"api\"}"), metrics);
    }
  }

  @Test
  void anApiNodeValidatesNetworkRequestsFromTheManifestAlone() throws Exception {
    assertFalse(a.models().get(NET).predictor() instanceof TorchScriptPredictor, "the network is not loaded");
    HttpResponse<String> ok = HTTP.sendAsync(request(a, "POST", "/v1/jobs", "{\"model\":\"" + NET + "\",\"n\":2,"
        + "\"seed\":1,\"sampler\":{\"name\":\"ddim\",\"steps\":10}}", "tenant-a", null),
        HttpResponse.BodyHandlers.ofString()).get();
    assertEquals(202, ok.statusCode(), ok.body());
    String id = new JsonObject(ok.body()).getString("id");
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT model_sha FROM jobs WHERE id='" + id + "'")) {
      assertTrue(rs.next());
      assertEquals(ModelSpec.read(models.resolve(NET)).sha256(), rs.getString(1), "pinned to the file's version");
    }
    HttpResponse<String> bad = HTTP.sendAsync(request(b, "POST", "/v1/jobs", "{\"model\":\"" + NET + "\",\"n\":2,"
        + "\"sampler\":{\"name\":\"ddim\",\"steps\":100000}}", "tenant-a", null),
        HttpResponse.BodyHandlers.ofString()).get();
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("steps"), bad.body());
  }
}
