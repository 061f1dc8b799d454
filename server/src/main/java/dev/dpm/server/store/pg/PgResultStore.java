package dev.dpm.server.store.pg;

import dev.dpm.server.results.ResultStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Result files in the shared store, so that every API node serves the results of every worker: a worker writes a
 * job's files into {@code job_results} (one transaction) and into its local folder; an API node that is asked for a
 * file it does not have copies the job's files from the store into its local folder (a cache) first.
 *
 * <p>Why the database and not a shared folder: one system to run and back up instead of two, no shared file system
 * between hosts (NFS and its failure modes), and the files are durable in the same place as the job that names
 * them. The price is database size: results are small (a few MB per job) next to PostgreSQL's 1 GB per value.
 */
public final class PgResultStore extends ResultStore {
  private static final Logger LOG = LoggerFactory.getLogger(PgResultStore.class);
  private final PgJobStore store;

  /**
   * @param cache the local results folder
   * @param store the shared store
   * @throws IOException if the folder cannot be created
   */
  public PgResultStore(Path cache, PgJobStore store) throws IOException {
    super(cache);
    this.store = store;
  }

  @Override
  public void write(String id, Map<String, byte[]> files) throws IOException {
    try {
      store.putResults(id, files);
    } catch (SQLException e) {
      throw new IOException("could not store the results of " + id + ": " + e.getMessage(), e);
    }
    super.write(id, files);
  }

  @Override
  public Path file(String id, String format, Integer index) {
    Path p = super.file(id, format, index);
    if (!Files.exists(p)) {
      try {
        Map<String, byte[]> files = store.results(id);
        if (!files.isEmpty()) {
          super.write(id, files);
        }
      } catch (SQLException | IOException e) {
        LOG.warn("event=result-fetch-failed job={} error={}", id, e.toString());
      }
    }
    return p;
  }
}
