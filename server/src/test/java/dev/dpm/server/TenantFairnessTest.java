package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.server.security.ApiKeyFile;
import dev.dpm.server.security.Scope;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fairness across tenants over HTTP with API keys, counted in engine evaluations (no clocks): the test holds the
 * network at a gate and lets it evaluate one batch at a time, so it knows exactly how many evaluations a job took.
 * A tenant flooding the engine with 20 jobs gets half the rows, the other tenant's one job the other half; and
 * {@code tenantMaxRunningJobs} keeps a tenant's extra jobs queued while another tenant's job starts.
 */
class TenantFairnessTest {
  @TempDir Path tmp;

  /** The toy network behind a gate: while gated, each evaluation waits for a permit. */
  static final class GatedPredictor implements NoisePredictor {
    final Toys.ToyPredictor inner = new Toys.ToyPredictor(2);
    final Semaphore permits = new Semaphore(0);
    final AtomicLong entered = new AtomicLong();
    volatile boolean gated;

    @Override
    public float[] predictEps(float[] x, double[] time, int batch) {
      entered.incrementAndGet();
      if (gated) {
        permits.acquireUninterruptibly();
      }
      return inner.predictEps(x, time, batch);
    }

    /**
     * Lets the evaluation waiting at the gate finish and waits until the engine is at the gate again: by then it has
     * handed that batch back and told the job service of every job it finished.
     */
    void step() throws InterruptedException {
      long before = entered.get();
      permits.release();
      long until = System.currentTimeMillis() + 20_000; // liveness only; nothing is timed
      while (entered.get() == before) {
        if (System.currentTimeMillis() > until) {
          throw new AssertionError("the engine did not come back to the gate");
        }
        Thread.sleep(1);
      }
    }

    void open() {
      gated = false;
      permits.release(1_000_000);
    }

    @Override
    public int dimension() {
      return 2;
    }

    @Override
    public void close() {}
  }

  private static String job(int n, int steps, long seed) {
    return "{\"model\":\"toy\",\"n\":" + n + ",\"seed\":" + seed + ",\"outputs\":[\"npy\"],"
        + "\"sampler\":{\"name\":\"ddim\",\"steps\":" + steps + "}}";
  }

  private static HttpResponse<byte[]> as(Harness h, String key, String method, String path, String body)
      throws Exception {
    return h.send(method, path, body, "Authorization", "Bearer " + key);
  }

  private static JsonObject get(Harness h, String key, String id) throws Exception {
    return h.json(as(h, key, "GET", "/v1/jobs/" + id, null));
  }

  private static String submit(Harness h, String key, String body) throws Exception {
    HttpResponse<byte[]> r = as(h, key, "POST", "/v1/jobs", body);
    assertEquals(202, r.statusCode(), new String(r.body()));
    return h.json(r).getString("id");
  }

  private static void awaitStatus(Harness h, String key, String id, String status) throws Exception {
    long until = System.currentTimeMillis() + 30_000;
    while (!status.equals(get(h, key, id).getString("status"))) {
      if (System.currentTimeMillis() > until) {
        throw new AssertionError(id + " never " + status + ": " + get(h, key, id).encode());
      }
      Thread.sleep(5);
    }
  }

  private static JsonObject awaitDone(Harness h, String key, String id) throws Exception {
    long until = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < until) {
      JsonObject j = get(h, key, id);
      if (List.of("succeeded", "failed", "canceled").contains(j.getString("status"))) {
        return j;
      }
      Thread.sleep(10);
    }
    throw new AssertionError(id + " did not finish");
  }

  @Test
  void aFloodingTenantLeavesTheOtherHalfTheRows() throws Exception {
    Path keys = tmp.resolve("keys.jsonl");
    String a = ApiKeyFile.add(keys, "flood", Scope.SAMPLE).key();
    String b = ApiKeyFile.add(keys, "quiet", Scope.SAMPLE).key();
    GatedPredictor net = new GatedPredictor();
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", net, tmp)),
        c -> c.apiKeys(keys).maxBatch(64).tenantMaxRunningJobs(32))) {
      net.gated = true;
      List<String> flood = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        flood.add(submit(h, a, job(16, 200, i))); // 320 rows pending at every step, far more than 64
      }
      for (String id : flood) {
        awaitStatus(h, a, id, "running");
      }
      for (int i = 0; i < 3; i++) {
        net.step(); // every flood job is in the engine
      }
      String quiet = submit(h, b, job(32, 20, 7));
      awaitStatus(h, b, quiet, "running");
      int evaluations = 0;
      while (true) {
        net.step();
        evaluations++;
        JsonObject q = get(h, b, quiet);
        if ("succeeded".equals(q.getString("status")) || q.getJsonObject("progress").getDouble("fraction") >= 1.0) {
          break;
        }
        // per-job sharing gives it 64/21 ≈ 3 rows per evaluation: 640 rows would take about 213 evaluations
        assertTrue(evaluations < 40, "the quiet tenant's job is not done after " + evaluations + " evaluations: "
            + q.encode());
      }
      // 32 rows (half of 64) per evaluation: its 20 steps in 20 evaluations, +1 for the one it joined after
      assertTrue(evaluations >= 20 && evaluations <= 22, "evaluations: " + evaluations);
      for (String id : flood) {
        JsonObject j = get(h, a, id);
        assertEquals("running", j.getString("status"), "the flood was still competing: " + j.encode());
      }
      net.open();
      assertEquals("succeeded", awaitDone(h, b, quiet).getString("status"));
      float[][] shared = h.npy(quiet, 32, 2, "Authorization", "Bearer " + b);
      for (String id : flood) {
        assertEquals("succeeded", awaitDone(h, a, id).getString("status"));
      }
      String alone = submit(h, b, job(32, 20, 7));
      assertEquals("succeeded", awaitDone(h, b, alone).getString("status"));
      float[][] solo = h.npy(alone, 32, 2, "Authorization", "Bearer " + b);
      for (int i = 0; i < 32; i++) {
        assertArrayEquals(solo[i], shared[i], "packing never changes a job's samples (sample " + i + ")");
      }
    } finally {
      net.open();
    }
  }

  @Test
  void aTenantAtItsRunningCapWaitsWhileOthersStart() throws Exception {
    Path keys = tmp.resolve("keys.jsonl");
    String a = ApiKeyFile.add(keys, "busy", Scope.SAMPLE).key();
    String b = ApiKeyFile.add(keys, "other", Scope.SAMPLE).key();
    GatedPredictor net = new GatedPredictor();
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", net, tmp)),
        c -> c.apiKeys(keys).tenantMaxRunningJobs(2))) {
      net.gated = true; // nothing finishes while the queue is looked at
      List<String> mine = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        mine.add(submit(h, a, job(2, 5, i)));
      }
      String theirs = submit(h, b, job(2, 5, 9)); // behind a's two waiting jobs in the queue
      awaitStatus(h, b, theirs, "running");
      awaitStatus(h, a, mine.get(1), "running");
      assertEquals("running", get(h, a, mine.get(0)).getString("status"));
      for (String id : mine.subList(2, 4)) {
        JsonObject j = get(h, a, id);
        assertEquals("queued", j.getString("status"), "over busy's cap of 2 running: " + j.encode());
      }
      net.open();
      List<JsonObject> done = new ArrayList<>();
      for (String id : mine) {
        done.add(awaitDone(h, a, id));
      }
      assertEquals("succeeded", awaitDone(h, b, theirs).getString("status"));
      Instant firstEnd = Instant.parse(done.get(0).getString("finishedAt"));
      Instant secondEnd = Instant.parse(done.get(1).getString("finishedAt"));
      Instant earliestEnd = firstEnd.isBefore(secondEnd) ? firstEnd : secondEnd;
      for (JsonObject j : done.subList(2, 4)) {
        assertEquals("succeeded", j.getString("status"));
        assertTrue(!Instant.parse(j.getString("startedAt")).isBefore(earliestEnd),
            "a third job started only once one of the first two had ended: " + j.encode());
      }
    } finally {
      net.open();
    }
  }
}
