package dev.dpm.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (me.tongfei:progressbar), or nothing. By default it is shown when
 * stderr is a terminal (the launcher passes {@code -Ddpm.stderrTty=1}); {@code --progress} /
 * {@code --no-progress} force it on or off.
 */
final class Progress implements AutoCloseable {
  /** Set by {@code ./dpm} when stderr is a terminal. */
  static final String TTY_PROPERTY = "dpm.stderrTty";
  private final ProgressBar bar; // null when hidden

  private Progress(ProgressBar bar) {
    this.bar = bar;
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
      return new Progress(null);
    }
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setUnit(" " + unit, 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .showSpeed()
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .build();
    return new Progress(bar);
  }

  /** @param n amount done since the last call */
  void stepBy(long n) {
    if (bar != null) {
      bar.stepBy(n);
    }
  }

  /** @param n amount done in all */
  void stepTo(long n) {
    if (bar != null) {
      bar.stepTo(n);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
