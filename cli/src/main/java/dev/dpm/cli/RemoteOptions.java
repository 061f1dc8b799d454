package dev.dpm.cli;

import dev.dpm.client.ConflictException;
import dev.dpm.client.DpmClient;
import dev.dpm.client.DpmException;
import dev.dpm.client.NotFoundException;
import dev.dpm.client.ValidationException;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options shared by the remote commands ({@code submit}, {@code watch}, {@code fetch}): which
 * server, which API key, and how a failed call is reported.
 */
public final class RemoteOptions {
  /** Exit code of a request the server refused (bad input, unknown job, wrong state). */
  static final int EXIT_REFUSED = 2;
  /** Exit code of a failure (unreachable server, server error, failed job). */
  static final int EXIT_FAILED = 1;

  @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:DPM_SERVER:-http://localhost:8080}",
      description = "The DPM server (default: $DPM_SERVER, else ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:DPM_API_KEY}",
      description = "API key sent as 'Authorization: Bearer KEY' (default: $DPM_API_KEY).")
  String apiKey;

  @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "Timeout of each HTTP request (default: ${DEFAULT-VALUE}).")
  double requestTimeoutSeconds;

  /**
   * @return a client of the chosen server (close it)
   * @throws IllegalArgumentException for a malformed URL
   */
  DpmClient client() {
    if (!(requestTimeoutSeconds > 0)) {
      throw new IllegalArgumentException("--request-timeout must be positive, got " + requestTimeoutSeconds);
    }
    return DpmClient.builder()
        .setBaseUrl(server)
        .optApiKey(apiKey == null || apiKey.isBlank() ? null : apiKey)
        .optRequestTimeout(Duration.ofMillis((long) (requestTimeoutSeconds * 1000)))
        .build();
  }

  /**
   * Reports a failed call as one line on stderr.
   *
   * @param spec the command
   * @param e the failure
   * @return {@value #EXIT_REFUSED} when the server refused the request, else {@value #EXIT_FAILED}
   */
  static int report(CommandSpec spec, DpmException e) {
    PrintWriter err = spec.commandLine().getErr();
    err.println(spec.qualifiedName(" ") + ": " + oneLine(e.getMessage()));
    err.flush();
    return e instanceof ValidationException || e instanceof NotFoundException || e instanceof ConflictException
        ? EXIT_REFUSED : EXIT_FAILED;
  }

  static String oneLine(String s) {
    return s == null ? "(no message)" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }
}
