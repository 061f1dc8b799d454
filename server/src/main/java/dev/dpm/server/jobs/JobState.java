package dev.dpm.server.jobs;

import dev.dpm.core.sampler.Sampler;
import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;

/** In-memory state of a job that is not finished (its record, progress, queue position and event seq). */
final class JobState {
  volatile JobRecord record;
  final JobSpec spec;
  final ServedModel model;
  final Sampler sampler;
  final CalibrationPlan calibration;
  final long work;
  volatile int step;
  volatile int total;
  volatile int nfe;
  volatile double fraction;
  volatile double eta = Double.NaN;
  volatile int position = -1;
  int passedOver; // dpm-jobs only: later arrivals started ahead of it while queued (Dispatcher)
  volatile EngineJob engineJob;
  long seq; // guarded by this
  boolean terminalEmitted; // guarded by this
  final CompletableFuture<JsonObject> done = new CompletableFuture<>();

  JobState(JobRecord record, ServedModel model, Sampler sampler, CalibrationPlan calibration, long work) {
    this.record = record;
    this.spec = JobSpec.of(record.spec());
    this.model = model;
    this.sampler = sampler;
    this.calibration = calibration;
    this.work = work;
    this.seq = record.seqReserved();
    this.step = record.progressStep();
    this.total = record.progressTotal();
    this.nfe = record.nfe();
  }

  /** @return the id */
  String id() {
    return record.id();
  }
}
