package dev.dpm.bench.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.engine.BatchingMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Throughput at equal or better p95, on made-up levels. */
class EqualLatencyTest {
  private static MixedWorkload.Outcome out(BatchingMode m, int done, double samples, double p95) {
    double[] lat = new double[20];
    java.util.Arrays.fill(lat, p95); // every quantile is p95
    return new MixedWorkload.Outcome(m, 20, done, 1, samples, lat, lat, 10);
  }

  private static EngineBenchmark.Level level(double load, MixedWorkload.Outcome s, MixedWorkload.Outcome q) {
    return new EngineBenchmark.Level(load, 1, List.of(s, q, out(BatchingMode.NONE, 20, 1, 9999)), new double[] {1});
  }

  @Test
  void requestLevelIsCreditedWithItsBestLoadWithinStepLevelsP95() {
    List<EngineBenchmark.Level> levels = List.of(
        level(0.3, out(BatchingMode.STEP, 20, 270, 200), out(BatchingMode.REQUEST, 20, 260, 450)),
        level(0.6, out(BatchingMode.STEP, 20, 520, 190), out(BatchingMode.REQUEST, 20, 480, 650)),
        level(0.9, out(BatchingMode.STEP, 20, 800, 470), out(BatchingMode.REQUEST, 20, 640, 1600)),
        level(1.2, out(BatchingMode.STEP, 15, 850, 300), out(BatchingMode.REQUEST, 10, 700, 300)));
    EqualLatency e = EqualLatency.of(levels);
    assertEquals(0.9, e.stepLoad()); // 1.2 is not sustained (15 of 20 done)
    assertEquals(470, e.stepP95Ms());
    assertEquals(0.3, e.requestLoad()); // 650 and 1600 ms exceed 470; 1.2 is not sustained
    assertEquals(800.0 / 260.0, e.ratio(), 1e-12);
    String json = EngineBenchmark.json(new EngineBenchmark.Result(null, "sim", List.of(), 400, levels));
    assertTrue(json.contains("\"equalP95\":{\"stepLoad\":0.9000,\"p95Ms\":470.0"), json);
  }

  @Test
  void noSustainedLoadWithinTheBoundIsInfinityAndNoStepPointIsNull() {
    List<EngineBenchmark.Level> levels = List.of(
        level(0.5, out(BatchingMode.STEP, 20, 500, 100), out(BatchingMode.REQUEST, 20, 480, 400)));
    assertEquals(Double.POSITIVE_INFINITY, EqualLatency.of(levels).ratio());
    assertNull(EqualLatency.of(List.of(
        level(0.5, out(BatchingMode.STEP, 19, 500, 100), out(BatchingMode.REQUEST, 20, 480, 400)))));
  }
}
