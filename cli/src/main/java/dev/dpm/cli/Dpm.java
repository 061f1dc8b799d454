package dev.dpm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/**
 * {@code ./dpm}: the command line of DPM Server.
 *
 * <p>Exit codes: 0 success; 2 a bad argument (unknown model or sampler, invalid settings, unreadable
 * data), reported as ONE line on stderr, never a stack trace; 1 an unexpected failure (one line;
 * the stack trace only with {@code DPM_DEBUG=1}).
 */
@Command(
    name = "dpm",
    mixinStandardHelpOptions = true,
    version = "dpm 0.1.0",
    description = "Diffusion sampling with the Analytic-DPM optimal reverse variance.",
    subcommands = {
        PlanCommand.class,
        SampleCommand.class,
        ImportCommand.class,
        CalibrateCommand.class,
        NllCommand.class,
        EncodeCommand.class,
        BenchCommand.class,
        ServeCommand.class,
        StoreCommand.class,
        SubmitCommand.class,
        WatchCommand.class,
        FetchCommand.class,
        KeysCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Dpm implements Runnable {
  /** Exit code of a bad argument. */
  public static final int EXIT_USAGE = 2;
  /** Exit code of an unexpected failure. */
  public static final int EXIT_FAILURE = 1;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command ("
        + String.join(", ", spec.subcommands().keySet().stream().filter(k -> !k.equals("help")).toList()) + ")");
  }

  /**
   * Entry point of {@code ./dpm}.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    quietLogging(args);
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = run(out, err, args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Keeps library logging (DJL's engine start-up lines) off stderr for the one-shot commands, so
   * that stderr carries only progress and the one-line error; {@code serve} keeps its logging
   * configuration. {@code DPM_LOG_LEVEL} (trace, debug, info, warn, error, off) overrides both.
   * Only sets slf4j-simple's property when it is not already set.
   */
  private static void quietLogging(String[] args) {
    String key = "org.slf4j.simpleLogger.defaultLogLevel";
    if (System.getProperty(key) != null) {
      return;
    }
    String level = System.getenv("DPM_LOG_LEVEL");
    if (level != null && !level.isBlank()) {
      System.setProperty(key, level.trim());
    } else if (args.length == 0 || !"serve".equals(args[0])) {
      System.setProperty(key, "error");
    }
  }

  /**
   * Runs the command line in-process (used by {@link #main} and by tests).
   *
   * @param out standard output (JSON results)
   * @param err standard error (progress, the one-line error)
   * @param args the arguments
   * @return the exit code
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return commandLine(out, err).execute(args);
  }

  /**
   * The configured picocli command line: subcommands and the one-line error handlers.
   *
   * @param out standard output
   * @param err standard error
   * @return the command line
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Dpm());
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println(prefix(c) + oneLine(ex.getMessage()) + " (see " + c.getCommandSpec().qualifiedName(" ")
          .replaceFirst("^dpm", "./dpm") + " --help)");
      c.getErr().flush();
      return EXIT_USAGE;
    });
    cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
      Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
      if (t instanceof UsageError || t instanceof IOException || t instanceof IllegalArgumentException) {
        c.getErr().println(prefix(c) + oneLine(t.getMessage()));
        c.getErr().flush();
        return EXIT_USAGE;
      }
      c.getErr().println(prefix(c) + "failed: " + oneLine(String.valueOf(t))
          + (debug() ? "" : " (DPM_DEBUG=1 shows the stack trace)"));
      if (debug()) {
        t.printStackTrace(new PrintWriter(c.getErr(), true));
      }
      c.getErr().flush();
      return EXIT_FAILURE;
    });
    return cl;
  }

  private static String prefix(CommandLine c) {
    return c.getCommandSpec().qualifiedName(" ") + ": ";
  }

  private static boolean debug() {
    String d = System.getenv("DPM_DEBUG");
    return d != null && !d.isEmpty() && !"0".equals(d);
  }

  /**
   * @param s a message
   * @return the message on one line
   */
  static String oneLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    String line = s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    return line.length() > 500 ? line.substring(0, 500) + "…" : line;
  }
}
