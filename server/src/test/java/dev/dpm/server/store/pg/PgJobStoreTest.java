package dev.dpm.server.store.pg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.jobs.JobKind;
import dev.dpm.server.jobs.JobRecord;
import dev.dpm.server.jobs.JobStatus;
import dev.dpm.server.jobs.JobStore.NewJob;
import dev.dpm.server.jobs.QueueCounts;
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

  private static JobRecord keyed(String id, String key, String tenant, JobStatus status) {
    return new JobRecord(id, JobKind.SAMPLE, status, "m", null, null, new JsonObject(), 4, 7, key, "h-" + id,
        Instant.ofEpochMilli(1), null, null, null, null, 0, 10, 0, 1000, tenant);
  }

  @Test
  void twoNodesInsertingTheSameNewKeyStoreOneJobAndTheLaterIsLeftOut() throws Exception {
    try (PgJobStore a = PgJobStore.open(url, null, null, "api-a");
        PgJobStore b = PgJobStore.open(url, null, null, "api-b")) {
      assertEquals(Set.of(), a.insertNew(List.of(new NewJob(keyed("ja", "t\u0000k", "t", JobStatus.QUEUED), 40))));
      // b checked the key before a committed, and inserts now: no unique-key error, its job is left out
      assertEquals(Set.of("jb"), b.insertNew(List.of(new NewJob(keyed("jb", "t\u0000k", "t", JobStatus.QUEUED), 40),
          new NewJob(keyed("jc", null, "t", JobStatus.QUEUED), 40))));
      assertEquals("ja", b.byIdempotencyKey("t\u0000k").orElseThrow().id(), "the loser re-reads the winner's job");
      assertTrue(b.get("jc").isPresent(), "the other jobs of the burst are inserted");
      assertTrue(b.get("jb").isEmpty());
    }
  }

  @Test
  void aKeyInsertedWhileAnotherNodesInsertIsUncommittedWaitsForItAndIsLeftOut() throws Exception {
    try (PgJobStore a = PgJobStore.open(url, null, null, "api-a");
        PgJobStore b = PgJobStore.open(url, null, null, "api-b")) {
      ExecutorService exec = Executors.newSingleThreadExecutor();
      Future<Set<String>> later = a.exclusively(() -> {
        assertEquals(Set.of(), a.insertNew(List.of(new NewJob(keyed("ja", "k", null, JobStatus.QUEUED), 1))));
        // a's row is not committed yet: b's insert of the same key waits for a's transaction, then skips
        return exec.submit(() -> b.insertNew(List.of(new NewJob(keyed("jb", "k", null, JobStatus.QUEUED), 1))));
      });
      assertEquals(Set.of("jb"), later.get());
      exec.shutdown();
      assertEquals("ja", b.byIdempotencyKey("k").orElseThrow().id());
    }
  }

  @Test
  void racingInsertsOfOneKeyStoreExactlyOne() throws Exception {
    int nodes = 4;
    List<PgJobStore> stores = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      stores.add(PgJobStore.open(url, null, null, "api-" + i));
    }
    ExecutorService exec = Executors.newFixedThreadPool(nodes);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<Future<Set<String>>> got = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      PgJobStore s = stores.get(i);
      String id = "j" + i;
      got.add(exec.submit(() -> {
        go.await();
        return s.insertNew(List.of(new NewJob(keyed(id, "same", null, JobStatus.QUEUED), 1)));
      }));
    }
    go.countDown();
    int lost = 0;
    for (Future<Set<String>> f : got) {
      lost += f.get().size(); // no unique-key error on any node
    }
    exec.shutdown();
    assertEquals(nodes - 1, lost, "every node but one is left out");
    assertEquals(1, stores.get(0).page(null, 10, null, null).size());
    for (PgJobStore s : stores) {
      s.close();
    }
  }

  @Test
  void theQueueCountsAreTheClustersJobsAndWorkPerTenant() throws Exception {
    try (PgJobStore a = PgJobStore.open(url, null, null, "api-a");
        PgJobStore b = PgJobStore.open(url, null, null, "api-b")) {
      a.insertNew(List.of(new NewJob(keyed("a1", null, "t1", JobStatus.QUEUED), 100),
          new NewJob(keyed("a2", null, "t2", JobStatus.QUEUED), 30)));
      b.insertNew(List.of(new NewJob(keyed("b1", null, "t1", JobStatus.RUNNING), 7),
          new NewJob(keyed("b2", null, "t1", JobStatus.SUCCEEDED), 1000),
          new NewJob(keyed("b3", null, "t1", JobStatus.FAILED), 1000)));
      a.insertAll(List.of(keyed("old", null, null, JobStatus.QUEUED))); // stored without its work: n = 4 rows
      assertEquals(new QueueCounts.Counts(4, 141, 2, 107), a.counts("t1"), "queued and running, of every node");
      assertEquals(new QueueCounts.Counts(4, 141, 1, 30), b.counts("t2"));
      assertEquals(new QueueCounts.Counts(4, 141, 0, 0), b.counts(null), "no tenant: none of its own");
    }
  }

  @Test
  void admissionsOfTwoNodesDoNotInterleave() throws Exception {
    try (PgJobStore a = PgJobStore.open(url, null, null, "api-a");
        PgJobStore b = PgJobStore.open(url, null, null, "api-b");
        Connection watch = DriverManager.getConnection(url)) {
      ExecutorService exec = Executors.newSingleThreadExecutor();
      java.util.concurrent.atomic.AtomicReference<QueueCounts.Counts> seenByB = new java.util.concurrent.atomic.AtomicReference<>();
      Future<?> bDone = a.exclusively(() -> {
        QueueCounts.Counts before = a.counts(null);
        Future<?> f = exec.submit(() -> b.exclusively(() -> {
          seenByB.set(b.counts(null)); // counted only once a's insert committed
          return null;
        }));
        waitForAdvisoryWaiter(watch); // b is blocked on the admission lock
        a.insertNew(List.of(new NewJob(keyed("a1", null, null, JobStatus.QUEUED), 5)));
        assertEquals(0, before.jobs());
        return f;
      });
      bDone.get();
      exec.shutdown();
      assertEquals(new QueueCounts.Counts(1, 5, 0, 0), seenByB.get(), "b counted a's job: the last place goes once");
    }
  }

  private static void waitForAdvisoryWaiter(Connection c) throws Exception {
    for (int i = 0; i < 2000; i++) {
      try (Statement st = c.createStatement();
          java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM pg_locks WHERE locktype='advisory' AND NOT granted")) {
        rs.next();
        if (rs.getLong(1) > 0) {
          return;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("the other node never waited for the admission lock");
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
