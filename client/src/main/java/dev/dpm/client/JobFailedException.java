package dev.dpm.client;

/** {@code sample(...)} waited for a job that ended failed or canceled instead of succeeding. */
public class JobFailedException extends DpmException {
  private static final long serialVersionUID = 1L;
  private final transient Job job;

  /** @param job the job in its terminal status */
  public JobFailedException(Job job) {
    super("job " + job.id() + " " + job.status()
        + (job.error() == null ? "" : ": " + job.error().code() + ": " + job.error().message()));
    this.job = job;
  }

  /** @return the job, with its status and error */
  public Job job() {
    return job;
  }
}
