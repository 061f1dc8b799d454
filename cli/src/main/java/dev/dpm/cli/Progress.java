package dev.dpm.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (me.tongfei:progressbar), or nothing. By default it is shown when
 * stderr is a terminal (the launcher passes {@code -Ddpm.stderrTty=1}); {@code --progress} /
 * {@code --no-progress} force it on or off. The rate is measured here from the bar's start (with
 * sub-second resolution) and shown as the bar's extra message: the library's own speed reads
 * {@code ?} for the first whole second, which is most of a short run.
 */
final class Progress implements AutoCloseable {
  /** Set by {@code ./dpm} when stderr is a terminal. */
  static final String TTY_PROPERTY = "dpm.stderrTty";
  private final ProgressBar bar; // null when hidden
  private final String unit;
  private final long startNanos = System.nanoTime();
  private long done;

  private Progress(ProgressBar bar, String unit) {
    this.bar = bar;
    this.unit = unit;
  }

  /**
   * @param task the label
   * @param max the expected total (e.g. network evaluations)
   * @param unit what is counted, e.g. "evals"
   * @param show true/false forces the bar on/off; null: on when stderr is a terminal
   * @return the bar (close it)
   */
  static Progress start(String task, long max, String unit, Boolean show) {
    boolean on = show != null ? show : "1".equals(System.getProperty(TTY_PROPERTY));
    if (!on) {
      return new Progress(null, unit);
    }
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setUnit(" " + unit, 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .build();
    return new Progress(bar, unit);
  }

  /**
   * The rate shown beside the bar.
   *
   * @param amount done so far
   * @param seconds seconds since the first step
   * @param unit what is counted
   * @return e.g. {@code 1,234 evals/s}, or empty before any time has passed
   */
  static String rate(long amount, double seconds, String unit) {
    if (seconds <= 0 || amount <= 0) {
      return "";
    }
    double r = amount / seconds;
    return (r >= 100 ? String.format(java.util.Locale.ROOT, "%,.0f", r)
        : String.format(java.util.Locale.ROOT, "%.1f", r)) + " " + unit + "/s";
  }

  private void update() {
    bar.setExtraMessage(rate(done, (System.nanoTime() - startNanos) / 1e9, unit));
  }

  /** @param n amount done since the last call */
  void stepBy(long n) {
    if (bar != null) {
      bar.stepBy(n);
      done += n;
      update();
    }
  }

  /** @param n amount done in all */
  void stepTo(long n) {
    if (bar != null) {
      bar.stepTo(n);
      done = n;
      update();
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
