package dev.dpm.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.Toys;
import dev.dpm.server.api.JobRequests;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.results.ResultStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loser of an Idempotency-Key race between two nodes: its submit finds, at the insert, that another node stored
 * the same new key first (the shared store leaves its job out). It answers exactly as a repeated key does: the
 * winner's job as a replay for the same body, 409 for another body, and its own job is neither stored nor announced.
 * The race is made deterministic by a store that stores the other node's job right before this node's insert.
 */
class KeyRaceTest {
  @TempDir Path tmp;

  static final String BODY = "{\"model\":\"toy\",\"n\":2,\"seed\":1,\"sampler\":{\"name\":\"ddpm\",\"steps\":20}}";

  /** An H2 store on which "another node" inserts a job with the same key just before this node's insert. */
  static final class RacingStore extends JobStore {
    JobRecord rival;

    RacingStore(Connection c) {
      super(c);
    }

    @Override
    public synchronized Set<String> insertNew(List<NewJob> jobs) throws SQLException {
      Set<String> lost = new HashSet<>();
      if (rival != null) {
        insert(rival); // the other node's commit came first
      }
      for (NewJob j : jobs) {
        if (rival != null && rival.idempotencyKey().equals(j.record().idempotencyKey())) {
          lost.add(j.record().id()); // as PostgreSQL's ON CONFLICT DO NOTHING leaves it out
        } else {
          insert(j.record());
        }
      }
      rival = null;
      return lost;
    }
  }

  private static JobRecord rival(String id, String key, String requestHash) {
    return new JobRecord(id, JobKind.SAMPLE, JobStatus.QUEUED, "toy", null, null,
        new JsonObject().put("outputs", List.of("npy")), 2, 1, key, requestHash, Instant.now(), null, null, null,
        null, 0, 20, 0, Lifecycle.SEQ_BLOCK, null);
  }

  @Test
  void theLoserAnswersWithTheWinnersJobOr409() throws Exception {
    JobStore.open(tmp.resolve("data")).close(); // the schema
    Connection c = DriverManager.getConnection(
        "jdbc:h2:file:" + tmp.resolve("data").toAbsolutePath().resolve("jobs") + ";WRITE_DELAY=0", "dpm", "");
    c.setAutoCommit(true);
    RacingStore store = new RacingStore(c);
    List<JsonObject> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    ServerConfig config = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(tmp.resolve("data"))
        .shutdownGraceSeconds(0).build();
    try (JobService jobs = new JobService(config, store, new ResultStore(tmp.resolve("results")),
        new ModelRegistry(List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp))), Toys.FACTORY,
        (id, e, terminal) -> events.add(e), new SimpleMeterRegistry())) {
      jobs.start();
      // a first submit tells the request's hash, as the other node computes it for the same body
      JobService.Submitted first = jobs.submit(JobRequests.sample(new JsonObject(BODY)), "first", null).get();
      String hash = store.get(first.job().getString("id")).orElseThrow().requestHash();

      store.rival = rival("j_rival_same", "k1", hash);
      JobService.Submitted same = jobs.submit(JobRequests.sample(new JsonObject(BODY)), "k1", null).get();
      assertEquals("j_rival_same", same.job().getString("id"), "the winner's job");
      assertTrue(same.replay(), "answered as a repeated key (200)");

      store.rival = rival("j_rival_other", "k2", "another-body");
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> jobs.submit(JobRequests.sample(new JsonObject(BODY)), "k2", null).get());
      RejectedException r = assertInstanceOf(RejectedException.class, e.getCause());
      assertInstanceOf(Rejection.KeyReused.class, r.rejection(), "409 for another body");

      // the lost jobs are neither stored nor live here, and no event announced them
      assertEquals(3, store.page(null, 10, null, null).size(), "first, and the two rivals");
      for (JobState st : jobs.live().values()) {
        assertNotEquals("k1", st.record.idempotencyKey());
        assertNotEquals("k2", st.record.idempotencyKey());
      }
      Set<String> announced = new HashSet<>();
      for (JsonObject ev : events) {
        announced.add(ev.getString("jobId"));
      }
      assertEquals(Set.of(first.job().getString("id")), announced, "only the first job was announced");
      // a repeat of the key now is a plain replay
      JobService.Submitted again = jobs.submit(JobRequests.sample(new JsonObject(BODY)), "k1", null).get();
      assertEquals("j_rival_same", again.job().getString("id"));
      assertTrue(again.replay());
    } finally {
      store.close();
    }
  }
}
