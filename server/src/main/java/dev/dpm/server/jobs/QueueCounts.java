package dev.dpm.server.jobs;

import java.sql.SQLException;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Where {@link Admission} counts the jobs queued and running and their rows of work. On one node that is its live
 * jobs ({@link Counts#of}); in a cluster it is the shared store (the cluster's store implements this interface), so
 * the limits hold for the cluster and not per node: two API nodes together admit no more than the limit.
 */
public interface QueueCounts {
  /**
   * The jobs queued or running that the store holds (committed), and their work.
   *
   * @param tenant the submitting tenant (its share is counted too), or null on a server without API keys
   * @return the counts
   * @throws SQLException on failure
   */
  Counts counts(String tenant) throws SQLException;

  /**
   * Runs the admission of a burst of submits and their insert as one unit that no other node's admission
   * interleaves with (a cluster-wide lock held until the insert commits): between a count and its insert no other
   * node admits a job, so the last free place is given once.
   *
   * @param body the admission and insert
   * @param <T> its result
   * @return the body's result, once committed
   * @throws SQLException if the lock or the commit fails (nothing of the body is kept then)
   */
  <T> T exclusively(Callable<T> body) throws SQLException;

  /**
   * Jobs queued or running and their work, in all and of one tenant.
   *
   * @param jobs jobs queued or running
   * @param work their rows of work
   * @param tenantJobs those of the tenant
   * @param tenantWork their work
   */
  record Counts(long jobs, long work, long tenantJobs, long tenantWork) {
    /**
     * @param other more jobs
     * @return the sum
     */
    public Counts plus(Counts other) {
      return new Counts(jobs + other.jobs, work + other.work, tenantJobs + other.tenantJobs,
          tenantWork + other.tenantWork);
    }

    /** Counts jobs held in memory (a node's live jobs, or a burst not yet inserted). */
    static Counts of(Collection<JobState> jobs, String tenant) {
      long work = 0;
      long tenantWork = 0;
      long tenantJobs = 0;
      for (JobState s : jobs) {
        work += s.work;
        if (tenant != null && Objects.equals(tenant, s.record.tenant())) {
          tenantWork += s.work;
          tenantJobs++;
        }
      }
      return new Counts(jobs.size(), work, tenantJobs, tenantWork);
    }
  }
}
