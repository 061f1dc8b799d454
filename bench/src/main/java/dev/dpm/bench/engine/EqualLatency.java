package dev.dpm.bench.engine;

import dev.dpm.server.engine.BatchingMode;
import java.util.List;

/**
 * Throughput at equal or better p95 (the serving comparison of issue 17's target): step-level batching at the
 * highest load it sustains (every offered job done) sets a p95 latency; request-level batching is credited with its
 * best throughput at any measured load it sustains with a p95 no worse than that. Below saturation both carry the
 * offered load (a ratio near 1 at equal offered load); what differs is how much load each carries within a latency.
 *
 * @param stepLoad the load of the step-level point
 * @param stepP95Ms its p95, the latency bound
 * @param stepSamplesPerSecond its throughput
 * @param requestLoad the load of request-level's best point within the bound, or NaN when none is
 * @param requestP95Ms that point's p95 (NaN when none)
 * @param requestSamplesPerSecond its throughput (0 when none)
 */
public record EqualLatency(double stepLoad, double stepP95Ms, double stepSamplesPerSecond, double requestLoad,
    double requestP95Ms, double requestSamplesPerSecond) {

  /** @return step-level over request-level throughput (+∞ when request-level sustains no load within the bound) */
  public double ratio() {
    return requestSamplesPerSecond > 0 ? stepSamplesPerSecond / requestSamplesPerSecond : Double.POSITIVE_INFINITY;
  }

  /**
   * @param levels the measured loads
   * @return the comparison, or null when step-level sustains none of them
   */
  public static EqualLatency of(List<EngineBenchmark.Level> levels) {
    EngineBenchmark.Level top = null;
    for (EngineBenchmark.Level l : levels) {
      MixedWorkload.Outcome s = l.of(BatchingMode.STEP);
      if (sustained(s) && (top == null || l.load() > top.load())) {
        top = l;
      }
    }
    if (top == null) {
      return null;
    }
    MixedWorkload.Outcome s = top.of(BatchingMode.STEP);
    double bound = s.latency(0.95);
    EngineBenchmark.Level best = null;
    for (EngineBenchmark.Level l : levels) {
      MixedWorkload.Outcome q = l.of(BatchingMode.REQUEST);
      if (sustained(q) && q.latency(0.95) <= bound
          && (best == null || q.samplesPerSecond() > best.of(BatchingMode.REQUEST).samplesPerSecond())) {
        best = l;
      }
    }
    MixedWorkload.Outcome q = best == null ? null : best.of(BatchingMode.REQUEST);
    return new EqualLatency(top.load(), bound, s.samplesPerSecond(), best == null ? Double.NaN : best.load(),
        q == null ? Double.NaN : q.latency(0.95), q == null ? 0 : q.samplesPerSecond());
  }

  private static boolean sustained(MixedWorkload.Outcome o) {
    return o.offered() > 0 && o.completed() == o.offered();
  }
}
