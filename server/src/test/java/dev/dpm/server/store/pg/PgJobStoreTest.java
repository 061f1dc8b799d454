package dev.dpm.server.store.pg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.jobs.JobKind;
import dev.dpm.server.jobs.JobRecord;
import dev.dpm.server.jobs.JobStatus;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared store's leases against a real PostgreSQL (embedded): concurrent claims never hand one job to two
 * workers, only models a worker has (in its version) are claimed, writes are fenced by the lease, an expired lease
 * lets another worker take the job over, and result files round-trip as bytea.
 */
class PgJobStoreTest {
  @TempDir static Path dir;
  private static EmbeddedStore pg;
  private static final AtomicInteger DB = new AtomicInteger();
  private String url;

  @BeforeAll
  static void start() throws Exception {
    pg = EmbeddedStore.start(dir.resolve("pg"), 0);
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  @BeforeEach
  void database() throws SQLException {
    String name = "t" + DB.incrementAndGet();
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl()); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + name + "?user=postgres";
  }

  private static JobRecord job(String id, String model, String sha, long created) {
    return new JobRecord(id, JobKind.SAMPLE, JobStatus.QUEUED, model, sha, sha, new JsonObject().put("outputs", List.of("npy")),
        4, 7, null, "h", Instant.ofEpochMilli(created), null, null, null, null, 0, 10, 0, 1000, null);
  }

  @Test
  void concurrentClaimsHandEachJobToExactlyOneWorker() throws Exception {
    try (PgJobStore api = PgJobStore.open(url, null, null, "api")) {
      List<JobRecord> jobs = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        jobs.add(job("j" + i, "m", "s", 1000 + i));
      }
      api.insertAll(jobs);
    }
    int workers = 4;
    ExecutorService exec = Executors.newFixedThreadPool(workers);
    List<Future<List<String>>> got = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      String node = "w" + w;
      got.add(exec.submit(() -> {
        List<String> mine = new ArrayList<>();
        try (PgJobStore s = PgJobStore.open(url, null, null, node)) {
          List<JobRecord> c;
          while (!(c = s.claim("m", "s", 3, 10)).isEmpty()) {
            c.forEach(r -> mine.add(r.id()));
          }
        }
        return mine;
      }));
    }
    Set<String> all = new HashSet<>();
    int total = 0;
    for (Future<List<String>> f : got) {
      List<String> ids = f.get();
      total += ids.size();
      all.addAll(ids);
    }
    exec.shutdown();
    assertEquals(40, total, "every job claimed once");
    assertEquals(40, all.size(), "no job claimed twice");
  }

  @Test
  void claimsOnlyTheModelAndVersionItHasOldestFirst() throws Exception {
    try (PgJobStore s = PgJobStore.open(url, null, null, "w")) {
      s.insertAll(List.of(job("b", "m", "s", 2), job("a", "m", "s", 1), job("other", "x", "s", 0),
          job("old", "m", "old-sha", 0)));
      List<JobRecord> c = s.claim("m", "s", 10, 10);
      assertEquals(List.of("a", "b"), c.stream().map(JobRecord::id).toList());
      assertTrue(s.claim("m", "s", 10, 10).isEmpty(), "held jobs are not claimed again");
    }
  }

  @Test
  void anExpiredLeaseMovesTheJobAndFencesTheOldHolder() throws Exception {
    try (PgJobStore w1 = PgJobStore.open(url, null, null, "w1");
        PgJobStore w2 = PgJobStore.open(url, null, null, "w2")) {
      w1.insertAll(List.of(job("j", "m", null, 1)));
      JobRecord r = w1.claim("m", null, 1, 1).get(0);
      w1.update(r.transition(JobStatus.RUNNING, Instant.now(), null, null, null, 0, 10, 0));
      assertTrue(w2.claim("m", null, 1, 10).isEmpty(), "a current lease is respected");
      assertEquals(Set.of("j"), w1.renew(1));
      Thread.sleep(1300); // w1 stops renewing: its lease expires
      List<JobRecord> taken = w2.claim("m", null, 1, 10);
      assertEquals(1, taken.size());
      assertEquals(JobStatus.RUNNING, taken.get(0).status(), "taken over while it was running");
      assertEquals(Set.of(), w1.renew(1), "w1 holds nothing any more");
      assertThrows(SQLException.class, () -> w1.update(r.transition(JobStatus.SUCCEEDED, Instant.now(), Instant.now(),
          null, null, 10, 10, 10)), "the old holder's write is refused");
      assertEquals(JobStatus.RUNNING, w2.get("j").orElseThrow().status());
      assertEquals("w2", w2.holder("j").orElseThrow());
      assertTrue(w2.cancelUnheld("j", Instant.now()).isEmpty(), "a held job is canceled by its holder, not the store");
    }
  }

  @Test
  void leasesGivenBackOnShutdownAreClaimedAtOnce() throws Exception {
    try (PgJobStore w1 = PgJobStore.open(url, null, null, "w1");
        PgJobStore w2 = PgJobStore.open(url, null, null, "w2")) {
      w1.insertAll(List.of(job("a", "m", null, 1), job("b", "m", null, 2)));
      assertEquals(2, w1.claim("m", null, 2, 10).size());
      w1.release("a");
      assertEquals(List.of("a"), w2.claim("m", null, 2, 10).stream().map(JobRecord::id).toList());
      w1.releaseAll();
      assertEquals(List.of("b"), w2.claim("m", null, 2, 10).stream().map(JobRecord::id).toList(),
          "no need to wait for the 10 s lease");
    }
  }

  @Test
  void anUnheldJobIsCanceledInTheStoreWithOneMoreSeq() throws Exception {
    try (PgJobStore api = PgJobStore.open(url, null, null, "api")) {
      api.insertAll(List.of(job("j", "m", null, 1)));
      JobRecord c = api.cancelUnheld("j", Instant.now()).orElseThrow();
      assertEquals(JobStatus.CANCELED, c.status());
      assertEquals(1001, c.seqReserved());
      assertTrue(api.claim("m", null, 1, 10).isEmpty(), "a canceled job is not claimed");
    }
  }

  @Test
  void resultFilesRoundTripAndEveryNodeServesThem(@TempDir Path a, @TempDir Path b) throws Exception {
    try (PgJobStore w = PgJobStore.open(url, null, null, "w"); PgJobStore api = PgJobStore.open(url, null, null, "api")) {
      byte[] npy = {1, 2, 3, 0, -1};
      new PgResultStore(a, w).write("j", Map.of("samples.npy", npy, "samples/0.png", "png".getBytes(StandardCharsets.UTF_8)));
      PgResultStore elsewhere = new PgResultStore(b, api);
      assertArrayEquals(npy, Files.readAllBytes(elsewhere.file("j", "npy", null)));
      assertArrayEquals("png".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(elsewhere.file("j", "png", 0)));
    }
  }

  @Test
  void theStoreReconnectsAfterTheDatabaseRestarted(@TempDir Path d) throws Exception {
    EmbeddedStore own = EmbeddedStore.start(d.resolve("pg"), 0);
    int port = own.port();
    try (PgJobStore s = PgJobStore.open(own.jdbcUrl(), null, null, "w")) {
      s.insertAll(List.of(job("j", "m", null, 1)));
      own.close();
      own = EmbeddedStore.start(d.resolve("pg"), port);
      try {
        s.get("j"); // may meet the broken connection
      } catch (SQLException e) {
        // the call in flight fails; the next one reconnects
      }
      assertEquals(JobStatus.QUEUED, s.get("j").orElseThrow().status(), "committed before the restart, read after");
    } finally {
      own.close();
    }
  }
}
