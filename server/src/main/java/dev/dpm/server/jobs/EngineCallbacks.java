package dev.dpm.server.jobs;

import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.engine.EngineListener;
import dev.dpm.server.results.ImageRenderer;
import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the engines report about the jobs of the service: progress and previews become events, a finished job's
 * samples go to the {@link ResultWriter} on {@code dpm-results} and then its terminal state to the
 * {@link Lifecycle} on {@code dpm-jobs}, failures and cancels likewise. The engine thread only hands work over;
 * after every terminal state the dispatcher runs again.
 */
final class EngineCallbacks implements EngineListener {
  private static final Logger LOG = LoggerFactory.getLogger(EngineCallbacks.class);
  private final Lifecycle life;
  private final ResultWriter writer;
  private final JobsThread jobsExec;
  private final Runnable dispatch;
  private final ExecutorService resultsExec = Executors.newSingleThreadExecutor(r -> JobsThread.daemon(r, "dpm-results"));
  private final ExecutorService previewExec = Executors.newSingleThreadExecutor(r -> JobsThread.daemon(r, "dpm-previews"));

  /**
   * @param life transitions and events
   * @param writer result files
   * @param jobsExec the dpm-jobs thread
   * @param dispatch runs the dispatcher (on dpm-jobs)
   */
  EngineCallbacks(Lifecycle life, ResultWriter writer, JobsThread jobsExec, Runnable dispatch) {
    this.life = life;
    this.writer = writer;
    this.jobsExec = jobsExec;
    this.dispatch = dispatch;
  }

  @Override
  public void onProgress(EngineJob job, int step, int total, int nfe, double fraction, double etaSeconds) {
    JobState st = (JobState) job.attachment();
    st.step = step;
    st.total = total;
    st.nfe = nfe;
    st.fraction = fraction;
    st.eta = etaSeconds;
    life.emit(st, "progress", JobViews.progress(st), false);
  }

  @Override
  public void onPreview(EngineJob job, int step, float[][] denoised) {
    JobState st = (JobState) job.attachment();
    if (!ImageRenderer.supports(st.model.spec().sampleShape(), st.model.spec().dataRange())) {
      return;
    }
    try {
      previewExec.execute(() -> {
        byte[] png = new ImageRenderer(st.model.spec().sampleShape(), st.model.spec().dataRange()).grid(denoised);
        life.emit(st, "preview", new JsonObject().put("step", step).put("total", st.total)
            .put("png", Base64.getEncoder().encodeToString(png)), false);
      });
    } catch (RejectedExecutionException e) {
      // shutting down: previews are optional
    }
  }

  @Override
  public void onSucceeded(EngineJob job, float[][] samples, int nfe, int total) {
    JobState st = (JobState) job.attachment();
    st.step = total;
    st.total = total;
    st.nfe = nfe;
    st.fraction = 1;
    st.eta = 0;
    try {
      resultsExec.execute(() -> {
        try {
          writer.write(st, samples);
          jobsExec.execute(() -> {
            succeeded(st, nfe, total);
            dispatch.run();
          });
        } catch (Exception e) {
          LOG.error("event=result-write-failed job={} error={}", st.record.id(), e.toString(), e);
          jobsExec.execute(() -> {
            life.fail(st, FailureCode.INTERNAL, "could not write results: " + e.getMessage());
            dispatch.run();
          });
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.warn("event=result-dropped job={} reason=shutdown", st.record.id());
    }
  }

  /** On dpm-jobs, once the files are written: commits {@code succeeded}, installs a calibration's Γ, announces. */
  private void succeeded(JobState st, int nfe, int total) {
    try {
      JobRecord r = st.record;
      life.persist(st, r.transition(JobStatus.SUCCEEDED, r.startedAt(), Instant.now(), null, null, total, total, nfe));
      if (st.calibration != null && st.calibration.install()) {
        st.calibration.installInto();
      }
      life.terminal(st, "succeeded", null);
      LOG.info("event=job-succeeded job={} nfe={} ms={}", r.id(), nfe,
          st.record.finishedAt().toEpochMilli() - r.startedAt().toEpochMilli());
    } catch (SQLException e) {
      LOG.error("event=job-persist-failed job={} error={}", st.record.id(), e.toString());
    }
  }

  @Override
  public void onFailed(EngineJob job, String code, String message) {
    JobState st = (JobState) job.attachment();
    LOG.warn("event=job-failed job={} code={} message=\"{}\"", job.id(), code, message);
    onJobsThread(() -> {
      life.fail(st, code, message);
      dispatch.run();
    });
  }

  @Override
  public void onCanceled(EngineJob job) {
    JobState st = (JobState) job.attachment();
    onJobsThread(() -> {
      try {
        life.cancel(st, st.step);
        LOG.info("event=job-canceled job={} step={}", st.id(), st.step);
      } catch (SQLException e) {
        LOG.error("event=job-persist-failed job={} error={}", st.record.id(), e.toString());
      }
      dispatch.run();
    });
  }

  private void onJobsThread(Runnable r) {
    if (!jobsExec.offer(r)) {
      LOG.warn("event=state-change-dropped reason=shutdown");
    }
  }

  /** Graceful: takes no new work and waits up to 30 s for the result files being written. */
  void shutdown() {
    resultsExec.shutdown();
    previewExec.shutdown();
    try {
      resultsExec.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Abrupt (tests of crash recovery). */
  void shutdownNow() {
    resultsExec.shutdownNow();
    previewExec.shutdownNow();
  }
}
