package dev.dpm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.server.results.NpyWriter;
import dev.dpm.server.store.pg.EmbeddedStore;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode end to end, every node a separate JVM on loopback around a real (embedded) PostgreSQL: jobs on the
 * TorchScript fixture {@code tiny-mlp-2d} survive the kill −9 of a worker (its leases expire, the other worker takes
 * the jobs over and re-runs them to the bytes of a lone run, {@link Driver#sample}) and the kill −9 of an API node
 * (the other API node serves the jobs, their results and their events).
 */
class ClusterTest {
  static final String MODEL = "tiny-mlp-2d";
  static final int STEPS = 400;
  static final int N = 64;
  /** Samples per job of the worker test: long enough (about 2 s) to be killed in the middle. */
  static final int KILL_N = 256;
  private static final Pattern STARTED = Pattern.compile("event=job-started job=(\\S+)");
  private static final Pattern SUCCEEDED = Pattern.compile("event=job-succeeded job=(\\S+)");
  @TempDir static Path shared;
  private static EmbeddedStore pg;
  private static Path models;
  private static Path config;
  @TempDir Path tmp;

  @BeforeAll
  static void store() throws Exception {
    pg = EmbeddedStore.start(shared.resolve("pg"), 0);
    models = shared.resolve("models");
    Path src = Path.of(System.getProperty("dpm.root", "..")).resolve("runtime/src/test/resources/fixtures").resolve(MODEL);
    Files.createDirectories(models.resolve(MODEL));
    for (String f : new String[] {"model.json", "model.pt"}) {
      Files.copy(src.resolve(f), models.resolve(MODEL).resolve(f));
    }
    config = shared.resolve("dpm.yaml");
    Files.writeString(config, "progressIntervalMs: 20\nmaxBatch: 64\n");
  }

  @AfterAll
  static void stopStore() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  private static Path logs(String test) {
    return Path.of(System.getProperty("dpm.root", "..")).resolve("cli/target/cluster-test-logs").resolve(test);
  }

  /** A fresh database of the embedded server for one test. */
  private static String database(String name) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + name + "?user=postgres";
  }

  private static String request(int seed) {
    return request(seed, N);
  }

  private static String request(int seed, int n) {
    return "{\"model\":\"" + MODEL + "\",\"sampler\":{\"name\":\"ddpm\",\"steps\":" + STEPS + "},\"n\":" + n
        + ",\"seed\":" + seed + ",\"outputs\":[\"npy\"]}";
  }

  /** The bytes of a lone run of the same request. */
  private static byte[] alone(LoadedModel lm, int seed) {
    return alone(lm, seed, N);
  }

  private static byte[] alone(LoadedModel lm, int seed, int n) {
    SamplerResult r = Samplers.create(SamplerSettings.builder(SamplerKind.DDPM).optSteps(STEPS).build(), lm.context());
    return NpyWriter.encode(Driver.sample(((SamplerResult.Ok) r).sampler(), lm.predictor(), seed, n, 64, null),
        new int[] {2});
  }

  private static Set<String> matches(Pattern p, String log) {
    Set<String> ids = new LinkedHashSet<>();
    Matcher m = p.matcher(log);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }

  /** Seq numbers strictly increase on one socket and the stream ends with {@code succeeded}. */
  private static void assertStream(List<JsonObject> events, String id) {
    assertFalse(events.isEmpty(), "events of " + id);
    long last = -1;
    for (JsonObject e : events) {
      long seq = e.getLong("seq");
      assertTrue(seq > last, "seq increases for " + id + ": " + events);
      last = seq;
    }
    assertEquals("succeeded", events.get(events.size() - 1).getString("type"), "last event of " + id + ": " + events);
  }

  @Test
  void killNineOfAWorkerMidJobMovesItsJobsToTheOtherWorkerWithTheSameBytes() throws Exception {
    String store = database("workers");
    try (Nodes nodes = new Nodes(tmp, models, config, store, 3, logs("workers"))) {
      Nodes.Launch a = nodes.launch(0, "api", "api1");
      Nodes.Launch l1 = nodes.launch(1, "worker", "w1", "--max-jobs", "3");
      Nodes.Launch l2 = nodes.launch(2, "worker", "w2", "--max-jobs", "3");
      Nodes.Node api = nodes.ready(a);
      Nodes.Node w1 = nodes.ready(l1);
      Nodes.Node w2 = nodes.ready(l2);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        ids.add(nodes.submit(api.base(), request(100 + i, KILL_N)));
      }
      Nodes.Events watched = nodes.events(api.base(), ids.get(0), null);
      // kill -9 w1 while it runs jobs
      long until = System.currentTimeMillis() + 60_000;
      Set<String> inFlight = Set.of();
      while (System.currentTimeMillis() < until) {
        String log = Files.readString(w1.log());
        Set<String> s = matches(STARTED, log);
        s.removeAll(matches(SUCCEEDED, log));
        if (!s.isEmpty()) {
          Thread.sleep(300);
          log = Files.readString(w1.log());
          s = matches(STARTED, log);
          s.removeAll(matches(SUCCEEDED, log));
          if (!s.isEmpty()) {
            inFlight = s;
            break;
          }
        }
        Thread.sleep(20);
      }
      assertFalse(inFlight.isEmpty(), "w1 ran no job:\n" + Files.readString(w1.log()));
      nodes.kill(w1);
      Map<String, JsonObject> done = new HashMap<>();
      for (String id : ids) {
        done.put(id, nodes.await(api.base(), id, 90_000));
      }
      String w2log = Files.readString(w2.log());
      try (LoadedModel lm = ModelLoader.load(models, MODEL)) {
        for (int i = 0; i < ids.size(); i++) {
          String id = ids.get(i);
          assertEquals("succeeded", done.get(id).getString("status"), done.get(id).encode());
          assertArrayEquals(alone(lm, 100 + i, KILL_N), nodes.get(api.base(), "/v1/jobs/" + id + "/result?format=npy").body(),
              "job " + i + " has the bytes of a lone run");
        }
      }
      for (String id : inFlight) {
        assertTrue(w2log.contains("event=job-claimed job=" + id) && w2log.contains("event=job-succeeded job=" + id),
            "w1's running job " + id + " finished on w2:\n" + w2log);
      }
      watched.awaitTerminal(10_000);
      assertStream(watched.received, ids.get(0));
    }
  }

  @Test
  void killNineOfAnApiNodeLeavesTheOtherServingJobsResultsAndEvents() throws Exception {
    String store = database("apis");
    try (Nodes nodes = new Nodes(tmp, models, config, store, 3, logs("apis"))) {
      Nodes.Launch a1 = nodes.launch(0, "api", "api1");
      Nodes.Launch a2 = nodes.launch(1, "api", "api2");
      Nodes.Launch w = nodes.launch(2, "worker", "w1", "--max-jobs", "3");
      Nodes.Node api1 = nodes.ready(a1);
      Nodes.Node api2 = nodes.ready(a2);
      nodes.ready(w);
      // a job to cancel: long, canceled through the API node that did not take it
      String longJob = nodes.submit(api1.base(), "{\"model\":\"" + MODEL
          + "\",\"sampler\":{\"name\":\"ddpm\",\"steps\":1000},\"n\":4096,\"seed\":9,\"outputs\":[\"npy\"]}");
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ids.add(nodes.submit(api1.base(), request(200 + i)));
      }
      Nodes.Events onApi2 = nodes.events(api2.base(), ids.get(0), null);
      nodes.kill(api1);
      // cancel on api2 reaches the worker that runs the long job
      long until = System.currentTimeMillis() + 60_000;
      JsonObject running = nodes.job(api2.base(), longJob);
      while (!("running".equals(running.getString("status")) && running.getJsonObject("progress").getInteger("step") > 0)
          && System.currentTimeMillis() < until) {
        Thread.sleep(20);
        running = nodes.job(api2.base(), longJob);
      }
      assertEquals("running", running.getString("status"), running.encode());
      JsonObject canceled = nodes.cancel(api2.base(), longJob);
      assertEquals("canceled", canceled.getString("status"), canceled.encode());
      JsonObject after = nodes.job(api2.base(), longJob);
      assertEquals("canceled", after.getString("status"));
      assertTrue(after.getJsonObject("progress").getInteger("step") < 1000, after.encode());
      for (String id : ids) {
        assertEquals("succeeded", nodes.await(api2.base(), id, 90_000).getString("status"));
      }
      try (LoadedModel lm = ModelLoader.load(models, MODEL)) {
        for (int i = 0; i < ids.size(); i++) {
          assertArrayEquals(alone(lm, 200 + i),
              nodes.get(api2.base(), "/v1/jobs/" + ids.get(i) + "/result?format=npy").body(), "job " + i);
        }
      }
      onApi2.awaitTerminal(10_000);
      assertStream(onApi2.received, ids.get(0));
      // a late subscriber of a finished job gets its terminal state
      Nodes.Events late = nodes.events(api2.base(), ids.get(1), 0L);
      JsonObject last = late.awaitTerminal(10_000);
      assertNotNull(last);
      assertEquals("succeeded", last.getString("type"));
    }
  }
}
