package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code priority} field end to end: a high-priority job submitted behind low-priority ones
 * overtakes them, both inside the engine (its rows go first at every step) and in the server's
 * queue (it starts first); the low-priority jobs still finish, and priority never changes samples.
 */
class PriorityTest {
  @TempDir Path tmp;

  private static String body(int priority, long seed) {
    return "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddim\",\"steps\":30},\"n\":8,\"seed\":" + seed
        + ",\"outputs\":[\"npy\"],\"priority\":" + priority + "}";
  }

  @Test
  void highPriorityRowsOvertakeOnABusyEngine() throws Exception {
    SlowPredictor p = new SlowPredictor();
    p.sleepMicros = 40_000; // slow while the jobs are submitted, so they are all running together
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), b -> b.maxBatch(8))) {
      List<String> low = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        low.add(h.submit(body(0, i)).getString("id"));
      }
      JsonObject high = h.submit(body(9, 99));
      assertEquals(9, high.getInteger("priority"));
      p.sleepMicros = 1_000;
      JsonObject hi = h.await(high.getString("id"), 60_000);
      assertEquals("succeeded", hi.getString("status"));
      for (String id : low) {
        JsonObject j = h.await(id, 60_000);
        assertEquals("succeeded", j.getString("status"), "no starvation");
        assertEquals(0, j.getInteger("priority"));
        assertTrue(finished(hi).isBefore(finished(j)), "high priority first: " + hi.encode() + " vs " + j.encode());
      }
      // the same request alone at the default priority gives the same samples
      JsonObject alone = h.submit(body(0, 99));
      h.await(alone.getString("id"), 60_000);
      float[][] a = h.npy(alone.getString("id"), 8, 2);
      float[][] b = h.npy(high.getString("id"), 8, 2);
      for (int i = 0; i < 8; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a[i], b[i]);
      }
    }
  }

  @Test
  void highPriorityJobStartsFirstFromTheQueue() throws Exception {
    SlowPredictor p = new SlowPredictor();
    p.sleepMicros = 40_000;
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), b -> b.maxActiveJobs(1))) {
      String first = h.submit(body(0, 1)).getString("id"); // runs; the rest wait in the server's queue
      List<String> low = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        low.add(h.submit(body(0, 10 + i)).getString("id"));
      }
      String high = h.submit(body(5, 20)).getString("id");
      p.sleepMicros = 500;
      JsonObject hi = h.await(high, 60_000);
      JsonObject f = h.await(first, 60_000);
      assertTrue(!Instant.parse(hi.getString("startedAt")).isBefore(finished(f)), "the running job is not preempted");
      for (String id : low) {
        JsonObject j = h.await(id, 60_000);
        assertEquals("succeeded", j.getString("status"), "no starvation");
        // one job at a time: the next may start in the same millisecond the previous one finished
        assertTrue(!Instant.parse(j.getString("startedAt")).isBefore(finished(hi)),
            "high priority starts before the low ones queued ahead of it: " + hi.encode() + " vs " + j.encode());
      }
    }
  }

  @Test
  void priorityIsStoredWithTheJob() throws Exception {
    SlowPredictor p = new SlowPredictor();
    String id;
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), null)) {
      id = h.submit(body(7, 3)).getString("id");
      assertEquals("succeeded", h.await(id, 60_000).getString("status"));
    }
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), null)) {
      assertEquals(7, h.job(id).getInteger("priority"), "read back from the store after a restart");
    }
  }

  private static Instant finished(JsonObject job) {
    return Instant.parse(job.getString("finishedAt"));
  }
}
