package dev.dpm.server.jobs;

import dev.dpm.core.sampler.Sampler;
import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;

/**
 * In-memory state of a job that is not finished (its record, progress, queue position and event seq), and the model
 * version it is bound to: {@link #rebind rebound} while queued when a reload replaces that version, and leased from
 * the moment it starts until it ends ({@link #lease}, {@link #releaseLease}).
 */
final class JobState {
  volatile JobRecord record;
  final JobSpec spec;
  volatile ServedModel model;
  volatile Sampler sampler;
  volatile CalibrationPlan calibration;
  volatile long work;
  private boolean leased; // dpm-jobs only
  volatile int step;
  volatile int total;
  volatile int nfe;
  volatile double fraction;
  volatile double eta = Double.NaN;
  volatile int position = -1;
  volatile EngineJob engineJob;
  volatile boolean adopted; // claimed from the shared store (cluster workers): runs here
  volatile boolean abandoned; // its lease was taken over: nothing more is written
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

  /**
   * Takes a lease on the job's model version for the run about to start.
   *
   * @return false when that version is retired (the job must not start on it)
   */
  boolean lease() {
    if (leased) {
      return true;
    }
    leased = model != null && model.acquire();
    return leased;
  }

  /**
   * Returns the job's lease, if it holds one (at its end, or when it goes back to the queue).
   *
   * @return the model version it was returned to, or null when none was held
   */
  ServedModel releaseLease() {
    if (!leased) {
      return null;
    }
    leased = false;
    ServedModel m = model;
    m.release();
    return m;
  }

  /**
   * Binds a queued job to another version of its model (after a reload), from a state rebuilt against it; the
   * caller persists the record that names the new version.
   *
   * @param fresh the state {@link JobFactory#recover} made for the new version
   */
  void rebind(JobState fresh) {
    if (leased) {
      throw new IllegalStateException("job " + id() + " is running on " + model.version());
    }
    model = fresh.model;
    sampler = fresh.sampler;
    calibration = fresh.calibration;
    work = fresh.work;
  }

  /** @return the id */
  String id() {
    return record.id();
  }
}
