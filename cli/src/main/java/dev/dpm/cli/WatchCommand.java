package dev.dpm.cli;

import dev.dpm.client.DpmClient;
import dev.dpm.client.DpmException;
import dev.dpm.client.DpmJson;
import dev.dpm.client.Job;
import dev.dpm.client.JobEvent;
import dev.dpm.client.JobEventListener;
import dev.dpm.client.JobStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm watch ID}: follows a job's event stream (through the Java SDK, which reconnects by
 * itself) with a progress bar on stderr until the job ends, then prints the finished job as JSON on
 * stdout. Exit code 0 when it succeeded, 1 when it failed or was canceled.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Follow a job on a DPM server with a progress bar until it ends; print the finished job as JSON.")
public final class WatchCommand implements Callable<Integer> {
  /** Set by {@code ./dpm} when stderr is a terminal. */
  static final String TTY_PROPERTY = "dpm.stderrTty";

  @Spec
  CommandSpec spec;

  @Mixin
  RemoteOptions remote;

  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "86400",
      description = "Give up after this long (default: ${DEFAULT-VALUE}).")
  double timeout;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() {
    boolean show = progress != null ? progress : "1".equals(System.getProperty(TTY_PROPERTY)) || System.console() != null;
    Bar bar = new Bar(show, id);
    try (DpmClient client = remote.client()) {
      Job job = client.await(id, Duration.ofMillis((long) (timeout * 1000)), bar);
      bar.finish(job);
      bar.close(); // before the JSON, so the two do not interleave
      spec.commandLine().getOut().println(DpmJson.write(job));
      spec.commandLine().getOut().flush();
      if (job.status() != JobStatus.SUCCEEDED) {
        spec.commandLine().getErr().println(spec.qualifiedName(" ") + ": job " + id + " " + job.status()
            + (job.error() == null ? "" : ": " + job.error().code() + ": " + job.error().message()));
        return RemoteOptions.EXIT_FAILED;
      }
      return 0;
    } catch (dev.dpm.client.NotFoundException e) {
      bar.close();
      spec.commandLine().getErr().println(spec.qualifiedName(" ") + ": no job '" + id + "' on " + remote.server
          + " (GET /v1/jobs lists the jobs)");
      spec.commandLine().getErr().flush();
      return RemoteOptions.EXIT_REFUSED;
    } catch (DpmException e) {
      bar.close();
      return RemoteOptions.report(spec, e);
    }
  }

  /** The progress bar, fed by the job's events; shown only when asked for. */
  static final class Bar implements JobEventListener {
    private final boolean show;
    private final String id;
    private ProgressBar bar; // created at the first event that knows the total
    private long startNanos;
    private int firstStep;

    Bar(boolean show, String id) {
      this.show = show;
      this.id = id;
    }

    @Override
    public synchronized void onEvent(JobEvent e) {
      if (!show) {
        return;
      }
      Integer step = e.step();
      Integer total = e.total();
      if (e.job() != null && e.job().progress() != null) {
        step = step != null ? step : e.job().progress().step();
        total = total != null ? total : e.job().progress().total();
      }
      if (bar == null && total != null && total > 0) {
        bar = new ProgressBarBuilder()
            .setTaskName(id)
            .setInitialMax(total)
            .setUnit(" steps", 1)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(200)
            .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true)))
            .build();
        startNanos = System.nanoTime();
        firstStep = step == null ? 0 : step;
      }
      if (bar != null) {
        if (total != null && total > 0 && total != bar.getMax()) {
          bar.maxHint(total); // adaptive solvers revise their estimate
        }
        if (step != null) {
          bar.stepTo(step);
        }
        String rate = step == null ? "" : Progress.rate(step - firstStep, (System.nanoTime() - startNanos) / 1e9, "steps");
        bar.setExtraMessage(e.type() == null ? "" : e.type().wire()
            + (e.position() != null ? " #" + e.position() : "")
            + (rate.isEmpty() ? "" : " " + rate)
            + (e.etaSeconds() != null ? String.format(" ETA %.1fs", e.etaSeconds()) : ""));
      }
    }

    synchronized void finish(Job job) {
      if (bar != null && job.progress() != null) {
        bar.stepTo(job.progress().step());
        bar.setExtraMessage(job.status().wire());
      }
    }

    /** Closes the bar (idempotent). */
    public synchronized void close() {
      if (bar != null) {
        bar.close();
        bar = null;
      }
    }
  }
}
