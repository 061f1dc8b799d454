package dev.dpm.server.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The engine's meters, tagged with the model: evaluation latency, rows per evaluation, counts. */
final class EngineMetrics {
  private final Timer evalTimer;
  private final DistributionSummary batchRows;
  private final Counter samplesDone;
  private final Counter rowsDone;
  private volatile double rowsPerSecond;

  EngineMetrics(String model, MeterRegistry registry) {
    this.evalTimer = Timer.builder("dpm.evaluation").description("network evaluation latency")
        .tag("model", model).publishPercentileHistogram().register(registry);
    this.batchRows = DistributionSummary.builder("dpm.batch.rows").description("rows per evaluation")
        .tag("model", model).serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
        .register(registry);
    this.samplesDone = Counter.builder("dpm.samples").description("samples finished")
        .tag("model", model).register(registry);
    this.rowsDone = Counter.builder("dpm.evaluation.rows").description("rows evaluated")
        .tag("model", model).register(registry);
  }

  /** Records one evaluation of {@code rows} rows that took {@code nanos}. */
  void evaluated(int rows, long nanos) {
    evalTimer.record(nanos, TimeUnit.NANOSECONDS);
    batchRows.record(rows);
    rowsDone.increment(rows);
    double rps = rows / Math.max(1e-9, nanos / 1e9);
    rowsPerSecond = rowsPerSecond == 0 ? rps : 0.9 * rowsPerSecond + 0.1 * rps;
  }

  /** Records finished samples. */
  void samplesDone(int n) {
    samplesDone.increment(n);
  }

  /** @return recent rows per second (exponential average; 0 before the first evaluation) */
  double rowsPerSecond() {
    return rowsPerSecond;
  }
}
