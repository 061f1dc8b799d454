package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.api.JobRequests;
import dev.dpm.server.jobs.RejectedException;
import dev.dpm.server.jobs.Rejection;
import dev.dpm.server.jobs.JobService;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of submits (group-committed together): Idempotency-Keys hold inside one burst, every
 * job is durable and announced, and all of them run.
 */
class SubmitBurstTest {
  @TempDir Path tmp;

  @Test
  void burstOfSubmitsKeepsIdempotencyAndLosesNothing() throws Exception {
    Toys.ToyPredictor p = new Toys.ToyPredictor(2);
    p.delayMicros = 2_000;
    Set<String> ids = new HashSet<>();
    String keyed = "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":5},\"n\":2,\"seed\":1}";
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), null)) {
      Harness.Ws all = h.ws("/v1/events");
      JobService jobs = h.server.jobs();
      List<CompletableFuture<JobService.Submitted>> sameKey = new ArrayList<>();
      List<CompletableFuture<JobService.Submitted>> distinct = new ArrayList<>();
      CompletableFuture<JobService.Submitted> conflicting = null;
      for (int i = 0; i < 20; i++) { // queued together on the jobs thread: one or a few group commits
        sameKey.add(jobs.submit(JobRequests.sample(new JsonObject(keyed)), "burst", null));
        distinct.add(jobs.submit(JobRequests.sample(new JsonObject(keyed.replace("\"seed\":1", "\"seed\":" + (100 + i)))), null, null));
        if (i == 10) {
          conflicting = jobs.submit(JobRequests.sample(new JsonObject(keyed.replace("\"n\":2", "\"n\":3"))), "burst", null);
        }
      }
      Set<String> keyedIds = new HashSet<>();
      int fresh = 0;
      for (CompletableFuture<JobService.Submitted> f : sameKey) {
        JobService.Submitted s = f.get();
        keyedIds.add(s.job().getString("id"));
        fresh += s.replay() ? 0 : 1;
      }
      assertEquals(1, keyedIds.size(), "one job for one Idempotency-Key");
      assertEquals(1, fresh, "exactly one submit created it, the others are replays");
      try {
        conflicting.get();
        throw new AssertionError("a different body with the same key must be refused");
      } catch (ExecutionException e) {
        assertTrue(e.getCause() instanceof RejectedException re && re.rejection() instanceof Rejection.KeyReused,
            e.toString());
      }
      ids.addAll(keyedIds);
      for (CompletableFuture<JobService.Submitted> f : distinct) {
        assertTrue(ids.add(f.get().job().getString("id")));
      }
      assertEquals(21, ids.size());
      for (String id : ids) {
        assertEquals("succeeded", h.await(id, 30_000).getString("status"));
      }
      // every job was announced as queued and as succeeded on the all-jobs stream
      Set<String> queued = new HashSet<>();
      Set<String> done = new HashSet<>();
      while (done.size() < ids.size()) {
        JsonObject e = all.next(10_000);
        if (e.getString("type").equals("queued")) {
          queued.add(e.getString("jobId"));
        } else if (e.getString("type").equals("succeeded")) {
          done.add(e.getString("jobId"));
        }
      }
      assertEquals(ids, queued);
      assertEquals(ids, done);
    }
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)), null)) {
      for (String id : ids) {
        assertEquals("succeeded", h.job(id).getString("status"), "stored durably: " + id);
      }
    }
  }
}
