package dev.dpm.cli;

import dev.dpm.server.DpmServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Servers run as child JVMs by the process tests (kill −9, SIGTERM, cluster nodes): waiting for one to serve. */
public final class ChildServers {
  private ChildServers() {}

  /**
   * Waits until the child has written its port file and answers {@code /health/ready} with 200.
   *
   * @param p the child process
   * @param data its data folder (where it writes {@link DpmServer#PORT_FILE})
   * @param log its output, shown when it exits or never gets ready
   * @param what what the child is, for the messages ("server", "node")
   * @param within how long to wait
   * @param http the client to ask with
   * @return its base URL
   * @throws Exception if it exits or is not ready in time (an {@link AssertionError} with its log)
   */
  public static String awaitReady(Process p, Path data, Path log, String what, Duration within, HttpClient http)
      throws Exception {
    Path portFile = data.resolve(DpmServer.PORT_FILE);
    long until = System.currentTimeMillis() + within.toMillis();
    while (System.currentTimeMillis() < until) {
      if (!p.isAlive()) {
        throw new AssertionError(what + " exited with " + p.exitValue() + ":\n" + Files.readString(log));
      }
      if (Files.isRegularFile(portFile)) {
        String base = "http://127.0.0.1:" + Files.readString(portFile).trim();
        try {
          if (http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).timeout(Duration.ofSeconds(10))
              .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return base;
          }
        } catch (java.io.IOException e) {
          // not listening yet
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError(what + " not ready:\n" + Files.readString(log));
  }
}
