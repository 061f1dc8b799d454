package dev.dpm.server.store.pg;

import dev.dpm.server.jobs.JobRecord;
import dev.dpm.server.jobs.JobStore;
import dev.dpm.server.jobs.QueueCounts;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * The job table shared by every node of a cluster, in PostgreSQL: the H2 store's SQL (inherited) plus leases.
 * A worker claims jobs with {@code SELECT … FOR UPDATE SKIP LOCKED} (two workers never get the same job), renews
 * its leases while it holds them, and every write of a job row is fenced by the lease: once another node has taken
 * a job over (the old lease expired), the old holder's writes change nothing. Times of leases are the database's
 * clock, so the hosts' clocks do not matter. Result files live beside the jobs ({@code job_results}, bytea).
 *
 * <p>Admission counts the cluster's queue here ({@link QueueCounts}: a count and a sum of the jobs queued and
 * running, per tenant too) under a transaction-scoped advisory lock held until the submits' insert commits, and an
 * Idempotency-Key that two nodes take at the same instant is inserted once ({@code ON CONFLICT DO NOTHING}); the
 * other node re-reads the winner's job.
 */
public final class PgJobStore extends JobStore implements QueueCounts {
  /** Lock id that serialises the schema creation of nodes that start together. */
  private static final long SCHEMA_LOCK = 0x64706d5f6a6f6273L;
  /** Lock id that serialises the admission of submits across nodes (count, then insert). */
  private static final long ADMIT_LOCK = 0x64706d5f61646d74L;
  private final String node;

  private PgJobStore(Connection conn, String node) {
    super(conn);
    this.node = node;
  }

  /**
   * Connects and creates the tables if needed.
   *
   * @param url a {@code jdbc:postgresql://} URL
   * @param user user name or null (then the URL's or the driver's default)
   * @param password password or null
   * @param node this node's id (the owner written into its leases)
   * @return the store
   * @throws SQLException if the database cannot be reached
   */
  public static PgJobStore open(String url, String user, String password, String node) throws SQLException {
    Properties props = new Properties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", "dpm " + node);
    props.setProperty("connectTimeout", "10");
    Connection c = ReconnectingConnection.open(() -> DriverManager.getConnection(url, props));
    c.setAutoCommit(true);
    try (Statement st = c.createStatement()) {
      st.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
      try {
        st.execute("CREATE TABLE IF NOT EXISTS jobs ("
            + "id VARCHAR(64) PRIMARY KEY, kind VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, "
            + "model VARCHAR(128) NOT NULL, model_sha VARCHAR(64), spec TEXT NOT NULL, n INT NOT NULL, "
            + "seed BIGINT NOT NULL, idem_key VARCHAR(256) UNIQUE, request_hash VARCHAR(64), "
            + "created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT, error_code VARCHAR(64), "
            + "error_message VARCHAR(4000), progress_step INT NOT NULL, progress_total INT NOT NULL, "
            + "nfe INT NOT NULL, seq_reserved BIGINT NOT NULL, lease_owner VARCHAR(128), lease_until TIMESTAMPTZ, "
            + "model_version VARCHAR(64), tenant VARCHAR(128), work BIGINT)");
        // a store made before model versions were recorded gets the column (null versions)
        st.execute("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS model_version VARCHAR(64)");
        st.execute("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS tenant VARCHAR(128)"); // stores made before API keys
        // rows of work of each job, for the cluster's queue limits (null in stores made before: counted as n)
        st.execute("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS work BIGINT");
        st.execute("CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at DESC, id DESC)");
        st.execute("CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, created_at)");
        st.execute("CREATE TABLE IF NOT EXISTS job_results (job_id VARCHAR(64) NOT NULL, name VARCHAR(256) NOT NULL, "
            + "bytes BYTEA NOT NULL, PRIMARY KEY (job_id, name))");
      } finally {
        st.execute("SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");
      }
    }
    return new PgJobStore(c, node);
  }

  /** @return this node's id */
  public String node() {
    return node;
  }

  /**
   * The Idempotency-Key as stored here: PostgreSQL text holds no NUL character, so the NUL between the tenant and
   * the client's key ({@code SubmitQueue}) is stored as U+001F (no tenant name holds either, HTTP headers neither).
   */
  static String storedKey(String key) {
    return key == null ? null : key.replace('\u0000', '\u001f');
  }

  /** Inserts a new job (its Idempotency-Key stored as {@link #storedKey}). */
  @Override
  public synchronized void insert(JobRecord r) throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        "INSERT INTO jobs (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
      bind(ps, r);
      ps.setString(9, storedKey(r.idempotencyKey()));
      ps.executeUpdate();
    }
  }

  /** The job created with an Idempotency-Key (looked up as {@link #storedKey}). */
  @Override
  public synchronized Optional<JobRecord> byIdempotencyKey(String key) throws SQLException {
    return super.byIdempotencyKey(storedKey(key));
  }

  /**
   * Inserts the new jobs with their work, in one transaction; a job whose Idempotency-Key is already stored (another
   * node took the same new key first: {@code ON CONFLICT DO NOTHING} waits for that node's transaction and then
   * skips the row) is left out.
   */
  @Override
  public synchronized Set<String> insertNew(List<NewJob> jobs) throws SQLException {
    Set<String> lost = new TreeSet<>();
    if (jobs.isEmpty()) {
      return lost;
    }
    Connection c = connection();
    boolean own = c.getAutoCommit();
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO jobs (" + COLUMNS + ", work) VALUES "
        + "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (idem_key) DO NOTHING")) {
      for (NewJob j : jobs) {
        bind(ps, j.record());
        ps.setString(9, storedKey(j.record().idempotencyKey()));
        ps.setLong(22, j.work());
        if (ps.executeUpdate() == 0) {
          lost.add(j.record().id());
        }
      }
      if (own) {
        c.commit();
      }
    } catch (SQLException | RuntimeException e) {
      if (own) {
        c.rollback();
      }
      throw e;
    } finally {
      if (own) {
        c.setAutoCommit(true);
      }
    }
    return lost;
  }

  /** The cluster's jobs queued and running, and their work (a job stored without its work counts n rows). */
  @Override
  public synchronized Counts counts(String tenant) throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        "SELECT COUNT(*), COALESCE(SUM(COALESCE(work, n)), 0), COUNT(*) FILTER (WHERE tenant = ?), "
            + "COALESCE(SUM(COALESCE(work, n)) FILTER (WHERE tenant = ?), 0) FROM jobs "
            + "WHERE status IN ('queued','running')")) {
      ps.setString(1, tenant);
      ps.setString(2, tenant);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Counts(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
      }
    }
  }

  /**
   * Runs the body in one transaction that holds the cluster's admission lock ({@code pg_advisory_xact_lock}, let go
   * at the commit or rollback): the counts it reads and the jobs it inserts are one step for every node.
   */
  @Override
  public synchronized <T> T exclusively(Callable<T> body) throws SQLException {
    Connection c = connection();
    c.setAutoCommit(false);
    try {
      try (Statement st = c.createStatement()) {
        st.execute("SELECT pg_advisory_xact_lock(" + ADMIT_LOCK + ")");
      }
      T out = body.call();
      c.commit();
      return out;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c);
      throw e;
    } catch (Exception e) {
      rollbackQuietly(c);
      throw new SQLException(e.getMessage(), e);
    } finally {
      try {
        c.setAutoCommit(true);
      } catch (SQLException e) {
        // a broken connection: the next call reopens it
      }
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // the connection is gone: the database rolled back with it
    }
  }

  /**
   * Writes a job's mutable fields, unless another node holds its lease (fencing: a node that lost a job changes
   * nothing of it).
   */
  @Override
  public synchronized void update(JobRecord r) throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        UPDATE + " WHERE id=? AND (lease_owner IS NULL OR lease_owner=?)")) {
      int i = bindUpdate(ps, r);
      ps.setString(i, r.id());
      ps.setString(i + 1, node);
      if (ps.executeUpdate() != 1) {
        throw new SQLException("job " + r.id() + " is not held by node " + node + " (lease taken over, or no such job)");
      }
    }
  }

  /**
   * Claims up to {@code limit} jobs of one model that nobody holds: queued ones, and those whose holder's lease
   * expired (the holder was lost), oldest first. Jobs submitted for another version of the model are left alone.
   *
   * @param model model name
   * @param sha256 the model file's hash here (null for oracles)
   * @param limit most jobs to claim
   * @param leaseSeconds lease length
   * @return the claimed jobs, oldest first
   * @throws SQLException on failure
   */
  public synchronized List<JobRecord> claim(String model, String sha256, int limit, double leaseSeconds)
      throws SQLException {
    if (limit <= 0) {
      return List.of();
    }
    try (PreparedStatement ps = connection().prepareStatement(
        "UPDATE jobs SET lease_owner=?, lease_until=clock_timestamp() + make_interval(secs => ?) WHERE id IN ("
            + "SELECT id FROM jobs WHERE status IN ('queued','running') AND model=? "
            + "AND (model_sha IS NULL OR model_sha=?) "
            + "AND (lease_owner IS NULL OR lease_until < clock_timestamp()) "
            + "ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING " + COLUMNS)) {
      ps.setString(1, node);
      ps.setDouble(2, leaseSeconds);
      ps.setString(3, model);
      ps.setString(4, sha256);
      ps.setInt(5, limit);
      List<JobRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      out.sort(Comparator.comparing(JobRecord::createdAt).thenComparing(JobRecord::id));
      return out;
    }
  }

  /**
   * Renews the leases of every unfinished job this node holds.
   *
   * @param leaseSeconds new lease length from now
   * @return the ids still held
   * @throws SQLException on failure
   */
  public synchronized Set<String> renew(double leaseSeconds) throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        "UPDATE jobs SET lease_until=clock_timestamp() + make_interval(secs => ?) "
            + "WHERE lease_owner=? AND status IN ('queued','running') RETURNING id")) {
      ps.setDouble(1, leaseSeconds);
      ps.setString(2, node);
      Set<String> ids = new TreeSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return ids;
    }
  }

  /**
   * Gives up this node's leases (graceful shutdown: the jobs are queued again and another node takes them at once).
   *
   * @throws SQLException on failure
   */
  public synchronized void releaseAll() throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        "UPDATE jobs SET lease_owner=NULL, lease_until=NULL WHERE lease_owner=? AND status IN ('queued','running')")) {
      ps.setString(1, node);
      ps.executeUpdate();
    }
  }

  /**
   * Gives up this node's lease of one job (it is queued for any node again).
   *
   * @param id job id
   * @throws SQLException on failure
   */
  public synchronized void release(String id) throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        "UPDATE jobs SET lease_owner=NULL, lease_until=NULL WHERE id=? AND lease_owner=? AND status IN ('queued','running')")) {
      ps.setString(1, id);
      ps.setString(2, node);
      ps.executeUpdate();
    }
  }

  /**
   * Who holds a job now.
   *
   * @param id job id
   * @return the node whose lease is current, if any
   * @throws SQLException on failure
   */
  public synchronized Optional<String> holder(String id) throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        "SELECT lease_owner FROM jobs WHERE id=? AND lease_owner IS NOT NULL AND lease_until >= clock_timestamp() "
            + "AND status IN ('queued','running')")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /**
   * Cancels a job that no node holds (queued and not claimed, or its holder was lost), reserving one more event
   * seq for its {@code canceled} event.
   *
   * @param id job id
   * @param now the finish time
   * @return the canceled job (its {@code seqReserved} is the seq of the event), or empty if a node holds it or it
   *     is finished
   * @throws SQLException on failure
   */
  public synchronized Optional<JobRecord> cancelUnheld(String id, Instant now) throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(
        "UPDATE jobs SET status='canceled', finished_at=?, error_code='canceled', error_message='canceled by request', "
            + "seq_reserved=seq_reserved+1 WHERE id=? AND status IN ('queued','running') "
            + "AND (lease_owner IS NULL OR lease_until < clock_timestamp()) RETURNING " + COLUMNS)) {
      ps.setLong(1, now.toEpochMilli());
      ps.setString(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /**
   * Stores a job's result files in one transaction (replacing any earlier copy: a re-run writes the same bytes).
   *
   * @param id job id
   * @param files name to bytes
   * @throws SQLException on failure
   */
  public synchronized void putResults(String id, Map<String, byte[]> files) throws SQLException {
    Connection c = connection();
    c.setAutoCommit(false);
    try {
      try (PreparedStatement del = c.prepareStatement("DELETE FROM job_results WHERE job_id=?")) {
        del.setString(1, id);
        del.executeUpdate();
      }
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO job_results (job_id, name, bytes) VALUES (?,?,?)")) {
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
          ins.setString(1, id);
          ins.setString(2, f.getKey());
          ins.setBytes(3, f.getValue());
          ins.addBatch();
        }
        ins.executeBatch();
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * @param id job id
   * @return its result files (empty if none are stored)
   * @throws SQLException on failure
   */
  public synchronized Map<String, byte[]> results(String id) throws SQLException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (PreparedStatement ps = connection().prepareStatement(
        "SELECT name, bytes FROM job_results WHERE job_id=? ORDER BY name")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getBytes(2));
        }
      }
    }
    return out;
  }

  /** Deletes the finished jobs before the cut-off and their result rows. */
  @Override
  public synchronized List<String> deleteFinishedBefore(Instant before) throws SQLException {
    List<String> ids = super.deleteFinishedBefore(before);
    if (!ids.isEmpty()) {
      try (PreparedStatement ps = connection().prepareStatement("DELETE FROM job_results WHERE job_id = ANY(?)")) {
        Array a = connection().createArrayOf("varchar", ids.toArray());
        ps.setArray(1, a);
        ps.executeUpdate();
      }
    }
    return ids;
  }
}
