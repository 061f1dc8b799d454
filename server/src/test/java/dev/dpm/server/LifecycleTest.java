package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.ModelContext;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs end to end over real HTTP and WebSocket: events, determinism, cancel, deadline, limits, recovery. */
class LifecycleTest {
  @TempDir Path tmp;

  static float[][] direct(String name, int steps, long seed, int n, int d) {
    ModelContext ctx = new ModelContext(NoiseSchedule.linear(1000), d, DataRange.UNBOUNDED, false, null);
    SamplerResult r = Toys.FACTORY.create(SamplerSettings.builder(SamplerKind.parse(name)).optSteps(steps).build(), ctx);
    Sampler s = ((SamplerResult.Ok) r).sampler();
    return Driver.sample(s, new Toys.ToyPredictor(d), seed, n, 7, null);
  }

  static void assertSame(float[][] want, float[][] got) {
    assertEquals(want.length, got.length);
    for (int i = 0; i < want.length; i++) {
      assertArrayEquals(want[i], got[i], 0f, "sample " + i); // bit-identical
    }
  }

  @Test
  void eventsArriveInOrderAndResultEqualsADirectRun() throws Exception {
    Toys.ToyPredictor p = new Toys.ToyPredictor(2);
    p.delayMicros = 15_000;
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), null)) {
      JsonObject j = h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":40},\"n\":8,\"seed\":11,\"previewEvery\":5}");
      String id = j.getString("id");
      Harness.Ws ws = h.ws("/v1/jobs/" + id + "/events?after=0");
      List<JsonObject> events = new ArrayList<>();
      while (true) {
        JsonObject e = ws.next(10_000);
        events.add(e);
        if (List.of("succeeded", "failed", "canceled").contains(e.getString("type"))) {
          break;
        }
      }
      assertEquals(1000, ws.closed.get(5, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals("queued", events.get(0).getString("type"));
      assertEquals(1L, events.get(0).getLong("seq"));
      assertEquals("started", events.get(1).getString("type"));
      assertEquals("succeeded", events.get(events.size() - 1).getString("type"));
      long seq = 0;
      int step = -1;
      int progress = 0;
      int previews = 0;
      long lastPreviewSeq = -1;
      for (JsonObject e : events) {
        assertTrue(e.getLong("seq") > seq, "seq increases: " + events);
        seq = e.getLong("seq");
        assertEquals(id, e.getString("jobId"));
        if (e.getString("type").equals("progress")) {
          assertTrue(e.getInteger("step") >= step);
          step = e.getInteger("step");
          assertEquals(40, e.getInteger("total"));
          progress++;
        }
        if (e.getString("type").equals("preview")) {
          previews++;
          lastPreviewSeq = e.getLong("seq");
          assertTrue(e.getString("png").length() > 100);
        }
      }
      assertTrue(progress >= 10, "progress events: " + progress);
      assertTrue(previews >= 1, "previews: " + previews);
      assertSame(direct("ddpm", 40, 11, 8, 2), h.npy(id, 8, 2));
      // a late subscriber gets the terminal state at once, and nothing when already up to date
      Harness.Ws late = h.ws("/v1/jobs/" + id + "/events");
      assertEquals("succeeded", late.next(5000).getString("type"));
      assertEquals(1000, late.closed.get(5, java.util.concurrent.TimeUnit.SECONDS));
      Harness.Ws upToDate = h.ws("/v1/jobs/" + id + "/events?after=" + seq);
      assertEquals(1000, upToDate.closed.get(5, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(upToDate.events.isEmpty());
      // a replay from the start carries, in seq order, the latest preview only (older ones are superseded)
      Harness.Ws replay = h.ws("/v1/jobs/" + id + "/events?after=0");
      List<JsonObject> again = new ArrayList<>();
      JsonObject e;
      do {
        e = replay.next(5000);
        again.add(e);
      } while (!e.getString("type").equals("succeeded"));
      List<Long> previewSeqs = again.stream().filter(x -> x.getString("type").equals("preview"))
          .map(x -> x.getLong("seq")).toList();
      assertEquals(List.of(lastPreviewSeq), previewSeqs, "replayed previews: " + again.stream().map(x -> x.getString("type") + x.getLong("seq")).toList());
      for (int i = 1; i < again.size(); i++) {
        assertTrue(again.get(i).getLong("seq") > again.get(i - 1).getLong("seq"), "replay in seq order");
      }
    }
  }

  @Test
  void fiftyConcurrentJobsOfMixedSamplersAreAllCorrect() throws Exception {
    Toys.ToyPredictor p = new Toys.ToyPredictor(2);
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), b -> b.maxBatch(48))) {
      Harness.Ws all = h.ws("/v1/events");
      Random rnd = new Random(3);
      String[] names = {"ddpm", "ddim", "sde-em", "ode-euler", "ode-heun", "dpm-solver-2m"};
      List<Object[]> specs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        specs.add(new Object[] {names[rnd.nextInt(names.length)], 3 + rnd.nextInt(30), (long) rnd.nextInt(1000), 1 + rnd.nextInt(12)});
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<String>> ids = new ArrayList<>();
      for (Object[] s : specs) {
        ids.add(pool.submit(() -> h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"" + s[0] + "\",\"steps\":" + s[1]
            + "},\"n\":" + s[3] + ",\"seed\":" + s[2] + "}").getString("id")));
      }
      for (int i = 0; i < specs.size(); i++) {
        Object[] s = specs.get(i);
        String id = ids.get(i).get();
        assertEquals("succeeded", h.await(id, 30_000).getString("status"));
        assertSame(direct((String) s[0], (Integer) s[1], (Long) s[2], (Integer) s[3], 2), h.npy(id, (Integer) s[3], 2));
      }
      pool.shutdown();
      assertTrue(p.maxRowsSeen > 12, "rows of several jobs share evaluations: " + p.maxRowsSeen);
      assertTrue(p.maxRowsSeen <= 48, "maxBatch respected: " + p.maxRowsSeen);
      long terminal = 0;
      long until = System.currentTimeMillis() + 5000;
      while (terminal < 50 && System.currentTimeMillis() < until) {
        JsonObject e = all.events.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        if (e != null && e.getString("type").equals("succeeded")) {
          terminal++;
        }
      }
      assertEquals(50, terminal, "the all-jobs stream carries every terminal event");
    }
  }

  @Test
  void cancelStopsARunningJobAndDeadlineFailsOne() throws Exception {
    Toys.ToyPredictor p = new Toys.ToyPredictor(2);
    p.delayMicros = 3000;
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), null)) {
      String id = h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":1000},\"n\":2}").getString("id");
      Harness.Ws ws = h.ws("/v1/jobs/" + id + "/events?after=0");
      while (!h.job(id).getString("status").equals("running")) {
        Thread.sleep(10);
      }
      HttpResponse<byte[]> r = h.send("DELETE", "/v1/jobs/" + id, null);
      assertEquals(200, r.statusCode());
      JsonObject j = h.json(r);
      assertEquals("canceled", j.getString("status"));
      assertTrue(j.getJsonObject("progress").getInteger("step") < 1000);
      JsonObject last = null;
      while (true) {
        last = ws.next(5000);
        if (!last.getString("type").equals("progress") && !last.getString("type").equals("preview")
            && !last.getString("type").equals("queued") && !last.getString("type").equals("started")) {
          break;
        }
      }
      assertEquals("canceled", last.getString("type"));
      assertEquals(200, h.send("DELETE", "/v1/jobs/" + id, null).statusCode(), "cancel is idempotent");
      assertEquals(409, h.send("GET", "/v1/jobs/" + id + "/result", null).statusCode());

      String late = h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":1000},\"n\":2,\"deadlineSeconds\":0.3}")
          .getString("id");
      JsonObject f = h.await(late, 10_000);
      assertEquals("failed", f.getString("status"));
      assertEquals("deadline-exceeded", f.getJsonObject("error").getString("code"));
    }
  }

  @Test
  void nonFiniteModelOutputFailsTheJobClearly() throws Exception {
    Toys.ToyPredictor p = new Toys.ToyPredictor(2);
    p.nanBelowTime = 500;
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), null)) {
      String id = h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":10},\"n\":3}").getString("id");
      JsonObject f = h.await(id, 10_000);
      assertEquals("failed", f.getString("status"));
      assertEquals("non-finite-output", f.getJsonObject("error").getString("code"));
      assertTrue(f.getJsonObject("error").getString("message").contains("NaN"));
    }
  }

  @Test
  void fullQueueAnswers429WithRetryAfter() throws Exception {
    Toys.ToyPredictor p = new Toys.ToyPredictor(2);
    p.delayMicros = 5000;
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", p, tmp)), b -> b.maxQueuedJobs(2))) {
      String body = "{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":500}}";
      h.submit(body);
      h.submit(body);
      HttpResponse<byte[]> r = h.send("POST", "/v1/jobs", body);
      assertEquals(429, r.statusCode());
      assertTrue(Integer.parseInt(r.headers().firstValue("Retry-After").orElse("0")) >= 1);
      assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    }
  }

  @Test
  void restartRecoveryRerunsQueuedAndRunningJobsToTheSameBytes() throws Exception {
    Path data = tmp.resolve("d");
    List<String> ids = new ArrayList<>();
    long seenSeq;
    String first;
    {
      Toys.ToyPredictor slow = new Toys.ToyPredictor(2);
      slow.delayMicros = 4000;
      Harness a = new Harness(data, List.of(Toys.model("toy", slow, tmp)), b -> b.maxActiveJobs(1));
      for (int i = 0; i < 3; i++) {
        ids.add(a.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddim\",\"steps\":200},\"n\":4,\"seed\":" + (40 + i) + "}")
            .getString("id"));
      }
      first = ids.get(0);
      Harness.Ws ws = a.ws("/v1/jobs/" + first + "/events?after=0");
      JsonObject e;
      do {
        e = ws.next(10_000);
      } while (!e.getString("type").equals("progress") || e.getInteger("step") < 5);
      seenSeq = e.getLong("seq");
      assertEquals("running", a.job(first).getString("status"));
      a.server.halt(); // as a crash: nothing more is written
    }
    try (Harness b = new Harness(data, List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)), null)) {
      Harness.Ws ws = b.ws("/v1/jobs/" + first + "/events?after=" + seenSeq);
      JsonObject e = ws.next(10_000);
      assertTrue(e.getLong("seq") > seenSeq, "seq keeps increasing across the restart");
      for (int i = 0; i < 3; i++) {
        assertEquals("succeeded", b.await(ids.get(i), 20_000).getString("status"));
        assertSame(direct("ddim", 200, 40 + i, 4, 2), b.npy(ids.get(i), 4, 2));
      }
    }
  }

  @Test
  void calibrationJobEstimatesGammaAndEnablesAnalyticSamplers() throws Exception {
    try (Harness h = new Harness(tmp.resolve("d"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)), null)) {
      HttpResponse<byte[]> r = h.send("POST", "/v1/models/toy/calibrations", "{\"samples\":20,\"seed\":1,\"install\":true}");
      assertEquals(202, r.statusCode(), new String(r.body()));
      JsonObject j = h.await(h.json(r).getString("id"), 20_000);
      assertEquals("succeeded", j.getString("status"));
      JsonObject gamma = h.json(h.send("GET", j.getJsonObject("results").getString("json"), null));
      assertEquals(1001, gamma.getJsonArray("gamma").size());
      double g = gamma.getJsonArray("gamma").getDouble(1000);
      assertTrue(g > 0 && g < 1, "E tanh(x)^2 for x ~ N(0,1)-ish: " + g);
      JsonObject m = h.json(h.send("GET", "/v1/models/toy", null));
      assertEquals(true, m.getJsonObject("gamma").getBoolean("present"));
      assertEquals(202, h.send("POST", "/v1/jobs", "{\"model\":\"toy\",\"sampler\":{\"name\":\"analytic-ddpm\",\"steps\":5}}").statusCode());
    }
  }
}
