package dev.dpm.client;

/**
 * The filter and page size of {@link DpmClient#list(JobListParams)}.
 *
 * @param status only jobs in this status, or null for all
 * @param pageSize jobs per page in [1, 500], or null for the server's default (50)
 */
public record JobListParams(JobStatus status, Integer pageSize) {
  /** Checks the page size. */
  public JobListParams {
    if (pageSize != null && (pageSize < 1 || pageSize > 500)) {
      throw new IllegalArgumentException("pageSize must be in [1, 500], was " + pageSize);
    }
  }

  /** @return every job, server-default page size */
  public static JobListParams all() {
    return new JobListParams(null, null);
  }

  /** @param s the status @return these parameters with the status filter */
  public JobListParams withStatus(JobStatus s) {
    return new JobListParams(s, pageSize);
  }

  /** @param size the page size @return these parameters with the page size */
  public JobListParams withPageSize(int size) {
    return new JobListParams(status, size);
  }
}
