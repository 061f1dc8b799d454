package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine settings of {@link ServerConfig}: {@code maxRowsInFlight} caps the rows a model's engine runs at once
 * (no evaluation holds more), {@code engineOverlap} turns on overlapped hand-back; neither changes a sample.
 */
class EngineSettingsTest {
  @TempDir Path tmp;

  /** The toy network, recording the largest batch it was asked for. */
  static final class Widest implements NoisePredictor {
    private final SlowPredictor inner = new SlowPredictor();
    final AtomicInteger widest = new AtomicInteger();

    @Override
    public float[] predictEps(float[] x, double[] time, int batch) {
      widest.accumulateAndGet(batch, Math::max);
      return inner.predictEps(x, time, batch);
    }

    @Override
    public int dimension() {
      return 2;
    }

    @Override
    public void close() {}
  }

  private List<float[][]> run(Path dir, Widest p, Consumer<ServerConfig.Builder> tweak) throws Exception {
    try (Harness h = new Harness(dir, List.of(Toys.model("toy", p, tmp)), tweak)) {
      p.inner.sleepMicros = 20_000; // the jobs are all submitted before the first ones finish
      p.widest.set(0); // forget the warm-up batch
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(h.submit("{\"model\":\"toy\",\"sampler\":{\"name\":\"ddpm\",\"steps\":12},\"n\":8,\"seed\":" + i
            + ",\"outputs\":[\"npy\"]}").getString("id"));
      }
      p.inner.sleepMicros = 2_000;
      List<float[][]> out = new ArrayList<>();
      for (String id : ids) {
        assertEquals("succeeded", h.await(id, 60_000).getString("status"));
        out.add(h.npy(id, 8, 2));
      }
      return out;
    }
  }

  @Test
  void rowCapAndOverlapBoundTheBatchAndKeepTheSamples() throws Exception {
    Widest free = new Widest();
    List<float[][]> a = run(tmp.resolve("a"), free, b -> b.maxBatch(16).batchWindowMs(0));
    assertEquals(16, free.widest.get(), "without a cap two 8-sample jobs share an evaluation");
    Widest capped = new Widest();
    List<float[][]> b = run(tmp.resolve("b"), capped,
        c -> c.maxBatch(16).batchWindowMs(0).maxRowsInFlight(8).engineOverlap(true));
    assertEquals(8, capped.widest.get(), "maxRowsInFlight 8: one 8-sample job at a time");
    for (int j = 0; j < a.size(); j++) {
      for (int i = 0; i < 8; i++) {
        assertArrayEquals(a.get(j)[i], b.get(j)[i], "job " + j + " sample " + i);
      }
    }
  }

  @Test
  void settingsParseFromConfigAndEnvironment() {
    ServerConfig c = ServerConfig.builder().apply(Map.of("maxRowsInFlight", 128, "engineOverlap", true)).build();
    assertEquals(128, c.maxRowsInFlight());
    assertEquals(true, c.engineOverlap());
    ServerConfig e = ServerConfig.builder()
        .applyEnv(Map.of("DPM_MAX_ROWS_IN_FLIGHT", "64", "DPM_ENGINE_OVERLAP", "true")).build();
    assertEquals(64, e.maxRowsInFlight());
    assertEquals(true, e.engineOverlap());
    ServerConfig d = ServerConfig.builder().build();
    assertEquals(0, d.maxRowsInFlight());
    assertEquals(false, d.engineOverlap());
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().maxRowsInFlight(-1).build());
  }
}
