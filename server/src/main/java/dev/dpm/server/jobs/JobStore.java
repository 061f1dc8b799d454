package dev.dpm.server.jobs;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The durable job table: an embedded H2 database in file mode ({@code <dataDir>/jobs.mv.db}) with
 * {@code WRITE_DELAY=0}, so each committed change is written to the file before the call returns
 * and survives a kill −9. Every method commits before returning (auto-commit). Thread-safe: calls
 * are serialised on one connection.
 *
 * <p>Open for extension by the shared PostgreSQL store of cluster mode ({@code server.store.pg}), which keeps
 * this SQL and adds leases; nothing else subclasses it.
 */
public class JobStore implements AutoCloseable {
  /**
   * The write of a job's mutable fields, without its {@code WHERE}: bound by {@link #bindUpdate}, shared by every
   * store so that a new mutable column is written everywhere or nowhere.
   */
  protected static final String UPDATE = "UPDATE jobs SET status=?, started_at=?, finished_at=?, error_code=?, "
      + "error_message=?, progress_step=?, progress_total=?, nfe=?, seq_reserved=?, model_sha=?, model_version=?";

  /** The columns of a job row, in the order of {@code bind} and {@code read}. */
  protected static final String COLUMNS = "id, kind, status, model, model_sha, spec, n, seed, idem_key, "
      + "request_hash, created_at, started_at, finished_at, error_code, error_message, progress_step, "
      + "progress_total, nfe, seq_reserved, model_version, tenant";
  private final Connection conn;

  /**
   * @param conn an open connection to a database that has the {@code jobs} table (auto-commit on)
   */
  protected JobStore(Connection conn) {
    this.conn = conn;
  }

  /** @return the connection (subclasses: call under this object's lock) */
  protected final Connection connection() {
    return conn;
  }

  /**
   * Opens (creating if needed) the store in a folder.
   *
   * @param dir the data folder
   * @return the store
   * @throws SQLException if the database cannot be opened (e.g. another server holds it)
   */
  public static JobStore open(Path dir) throws SQLException {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create data directory " + dir + ": " + e.getMessage(), e);
    }
    // DB_CLOSE_ON_EXIT=FALSE: H2 must not close the database in its own JVM shutdown hook while jobs that finish
    // during the grace period still commit; DpmServer.close() closes it last
    String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("jobs") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    Connection c = DriverManager.getConnection(url, "dpm", "");
    c.setAutoCommit(true);
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS jobs ("
          + "id VARCHAR(64) PRIMARY KEY, kind VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, "
          + "model VARCHAR(128) NOT NULL, model_sha VARCHAR(64), spec CLOB NOT NULL, n INT NOT NULL, "
          + "seed BIGINT NOT NULL, idem_key VARCHAR(256) UNIQUE, request_hash VARCHAR(64), "
          + "created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT, error_code VARCHAR(64), "
          + "error_message VARCHAR(4000), progress_step INT NOT NULL, progress_total INT NOT NULL, "
          + "nfe INT NOT NULL, seq_reserved BIGINT NOT NULL)");
      // added with run-time model reloads; a store written before it reads null versions
      st.execute("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS model_version VARCHAR(64)");
      st.execute("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS tenant VARCHAR(128)"); // stores made before API keys
      st.execute("CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at DESC, id DESC)");
      st.execute("CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at)");
    }
    return new JobStore(c);
  }

  /**
   * Inserts a new job.
   *
   * @param r the job
   * @throws SQLException on failure (a duplicate Idempotency-Key included)
   */
  public synchronized void insert(JobRecord r) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO jobs (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
      bind(ps, r);
      ps.executeUpdate();
    }
  }

  /**
   * Inserts several new jobs in one transaction (group commit of a burst of submits).
   *
   * @param rs the jobs
   * @throws SQLException on failure (nothing is inserted then)
   */
  public synchronized void insertAll(List<JobRecord> rs) throws SQLException {
    inOneTransaction(rs, this::insert);
  }

  /**
   * A new job and its rows of work (what admission charges for it; the shared store keeps it for the cluster's
   * counts).
   *
   * @param record the job
   * @param work its rows of work
   */
  public record NewJob(JobRecord record, long work) {}

  /**
   * Inserts the new jobs of a burst of submits in one transaction, except those whose Idempotency-Key another
   * submit stored first. One node never races itself (its submits are serialised), so here every job is inserted and
   * a duplicate key fails the whole insert; the shared store of a cluster, where two nodes may take the same new key
   * at the same instant, leaves the later one out and says so.
   *
   * @param jobs the jobs
   * @return the ids of the jobs left out because their key was taken (empty here)
   * @throws SQLException on failure (nothing is inserted then)
   */
  public synchronized java.util.Set<String> insertNew(List<NewJob> jobs) throws SQLException {
    insertAll(jobs.stream().map(NewJob::record).toList());
    return java.util.Set.of();
  }

  /**
   * Writes a job's mutable fields (status, timings, error, progress, seq reservation, the model version a reload
   * moved a queued job to).
   *
   * @param r the job
   * @throws SQLException on failure
   */
  public synchronized void update(JobRecord r) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(UPDATE + " WHERE id=?")) {
      ps.setString(bindUpdate(ps, r), r.id());
      if (ps.executeUpdate() != 1) {
        throw new SQLException("no job " + r.id());
      }
    }
  }

  /**
   * Binds the parameters of {@link #UPDATE}.
   *
   * @param ps the statement
   * @param r the job
   * @return the index of the first parameter after them (the {@code WHERE} clause's)
   * @throws SQLException on failure
   */
  protected static int bindUpdate(PreparedStatement ps, JobRecord r) throws SQLException {
    ps.setString(1, r.status().wire());
    setInstant(ps, 2, r.startedAt());
    setInstant(ps, 3, r.finishedAt());
    ps.setString(4, r.errorCode());
    ps.setString(5, truncate(r.errorMessage()));
    ps.setInt(6, r.progressStep());
    ps.setInt(7, r.progressTotal());
    ps.setInt(8, r.nfe());
    ps.setLong(9, r.seqReserved());
    ps.setString(10, r.modelSha256());
    ps.setString(11, r.modelVersion());
    return 12;
  }

  /**
   * Writes several jobs' mutable fields in one transaction (one commit for a burst of jobs that
   * start together).
   *
   * @param rs the jobs
   * @throws SQLException on failure (nothing is written then)
   */
  public synchronized void updateAll(List<JobRecord> rs) throws SQLException {
    inOneTransaction(rs, this::update);
  }

  /** A write of one job record. */
  private interface RowWrite {
    void apply(JobRecord r) throws SQLException;
  }

  /** Applies {@code write} to every record in one transaction: all or nothing. */
  private void inOneTransaction(List<JobRecord> rs, RowWrite write) throws SQLException {
    if (rs.isEmpty()) {
      return;
    }
    if (!conn.getAutoCommit()) { // inside a caller's transaction (the shared store's admission): part of it
      for (JobRecord r : rs) {
        write.apply(r);
      }
      return;
    }
    conn.setAutoCommit(false);
    try {
      for (JobRecord r : rs) {
        write.apply(r);
      }
      conn.commit();
    } catch (SQLException | RuntimeException e) {
      conn.rollback();
      throw e;
    } finally {
      conn.setAutoCommit(true);
    }
  }

  /**
   * @param id job id
   * @return the job, if stored
   * @throws SQLException on failure
   */
  public synchronized Optional<JobRecord> get(String id) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS + " FROM jobs WHERE id=?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /**
   * @param key an Idempotency-Key
   * @return the job created with it, if any
   * @throws SQLException on failure
   */
  public synchronized Optional<JobRecord> byIdempotencyKey(String key) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS + " FROM jobs WHERE idem_key=?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /**
   * A page of jobs, newest first.
   *
   * @param status only this status (null = any)
   * @param limit page size
   * @param afterCreated exclusive upper bound on (created, id) from the cursor, or null
   * @param afterId id part of the cursor
   * @return up to {@code limit} jobs
   * @throws SQLException on failure
   */
  public synchronized List<JobRecord> page(JobStatus status, int limit, Long afterCreated, String afterId)
      throws SQLException {
    return page(status, limit, afterCreated, afterId, null);
  }

  /**
   * A page of one tenant's jobs, newest first.
   *
   * @param status only this status (null = any)
   * @param limit page size
   * @param afterCreated exclusive upper bound on (created, id) from the cursor, or null
   * @param afterId id part of the cursor
   * @param tenant only this tenant's jobs (null = every job: a server without API keys)
   * @return up to {@code limit} jobs
   * @throws SQLException on failure
   */
  public synchronized List<JobRecord> page(JobStatus status, int limit, Long afterCreated, String afterId,
      String tenant) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE 1=1");
    if (tenant != null) {
      sql.append(" AND tenant=?");
    }
    if (status != null) {
      sql.append(" AND status=?");
    }
    if (afterCreated != null) {
      sql.append(" AND (created_at < ? OR (created_at = ? AND id < ?))");
    }
    sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
    try (PreparedStatement ps = conn.prepareStatement(sql.toString())) {
      int i = 1;
      if (tenant != null) {
        ps.setString(i++, tenant);
      }
      if (status != null) {
        ps.setString(i++, status.wire());
      }
      if (afterCreated != null) {
        ps.setLong(i++, afterCreated);
        ps.setLong(i++, afterCreated);
        ps.setString(i++, afterId);
      }
      ps.setInt(i, limit);
      try (ResultSet rs = ps.executeQuery()) {
        List<JobRecord> out = new ArrayList<>();
        while (rs.next()) {
          out.add(read(rs));
        }
        return out;
      }
    }
  }

  /**
   * @param status a status
   * @return every job in it, oldest first
   * @throws SQLException on failure
   */
  public synchronized List<JobRecord> withStatus(JobStatus status) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT " + COLUMNS + " FROM jobs WHERE status=? ORDER BY created_at, id")) {
      ps.setString(1, status.wire());
      try (ResultSet rs = ps.executeQuery()) {
        List<JobRecord> out = new ArrayList<>();
        while (rs.next()) {
          out.add(read(rs));
        }
        return out;
      }
    }
  }

  /**
   * Deletes finished jobs that ended before a time.
   *
   * @param before cut-off
   * @return the ids deleted
   * @throws SQLException on failure
   */
  public synchronized List<String> deleteFinishedBefore(Instant before) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? "
            + "AND status IN ('succeeded','failed','canceled')")) {
      ps.setLong(1, before.toEpochMilli());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
    }
    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM jobs WHERE id=?")) {
      for (String id : ids) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
    }
    return ids;
  }

  /**
   * @return the number of jobs per status
   * @throws SQLException on failure
   */
  public synchronized java.util.Map<JobStatus, Long> countByStatus() throws SQLException {
    java.util.EnumMap<JobStatus, Long> m = new java.util.EnumMap<>(JobStatus.class);
    for (JobStatus s : JobStatus.values()) {
      m.put(s, 0L);
    }
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT status, COUNT(*) FROM jobs GROUP BY status")) {
      while (rs.next()) {
        m.put(JobStatus.parse(rs.getString(1)), rs.getLong(2));
      }
    }
    return m;
  }

  /** Closes the database (committed data are already on disk). */
  @Override
  public synchronized void close() {
    try {
      conn.close();
    } catch (SQLException e) {
      // closing a broken connection: nothing left to save
    }
  }

  /**
   * Binds the parameters of an insert of {@link #COLUMNS}, 1 to 21.
   *
   * @param ps the statement
   * @param r the job
   * @throws SQLException on failure
   */
  protected static void bind(PreparedStatement ps, JobRecord r) throws SQLException {
    ps.setString(1, r.id());
    ps.setString(2, r.kind().wire());
    ps.setString(3, r.status().wire());
    ps.setString(4, r.model());
    ps.setString(5, r.modelSha256());
    ps.setString(6, r.spec().encode());
    ps.setInt(7, r.n());
    ps.setLong(8, r.seed());
    ps.setString(9, r.idempotencyKey());
    ps.setString(10, r.requestHash());
    ps.setLong(11, r.createdAt().toEpochMilli());
    setInstant(ps, 12, r.startedAt());
    setInstant(ps, 13, r.finishedAt());
    ps.setString(14, r.errorCode());
    ps.setString(15, truncate(r.errorMessage()));
    ps.setInt(16, r.progressStep());
    ps.setInt(17, r.progressTotal());
    ps.setInt(18, r.nfe());
    ps.setLong(19, r.seqReserved());
    ps.setString(20, r.modelVersion());
    ps.setString(21, r.tenant());
  }

  /**
   * @param rs a row of {@link #COLUMNS}
   * @return the job
   * @throws SQLException on failure
   */
  protected static JobRecord read(ResultSet rs) throws SQLException {
    return new JobRecord(
        rs.getString(1),
        JobKind.parse(rs.getString(2)),
        JobStatus.parse(rs.getString(3)),
        rs.getString(4),
        rs.getString(5),
        rs.getString(20),
        new JsonObject(rs.getString(6)),
        rs.getInt(7),
        rs.getLong(8),
        rs.getString(9),
        rs.getString(10),
        Instant.ofEpochMilli(rs.getLong(11)),
        instant(rs, 12),
        instant(rs, 13),
        rs.getString(14),
        rs.getString(15),
        rs.getInt(16),
        rs.getInt(17),
        rs.getInt(18),
        rs.getLong(19),
        rs.getString(21));
  }

  /** Binds an instant as epoch ms (or NULL). */
  protected static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, t.toEpochMilli());
    }
  }

  private static Instant instant(ResultSet rs, int i) throws SQLException {
    long v = rs.getLong(i);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }

  /** Error messages fit the column (4000 characters). */
  protected static String truncate(String s) {
    return s == null || s.length() <= 4000 ? s : s.substring(0, 3997) + "...";
  }
}
