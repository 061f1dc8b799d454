package dev.dpm.server.engine;

/**
 * Why the engine stopped a job, as a closed set: each case names its error code of
 * {@link EngineListener#onFailed} ({@link #code()}) and its sentence for people.
 */
public sealed interface Failure {
  /** @return the listener's error code */
  String code();

  /** @return a sentence for people */
  String message();

  /**
   * The network returned NaN or ±Inf in a row of the job.
   *
   * @param sample the sample's index in its job
   * @param time the row's time
   */
  record NonFinite(int sample, double time) implements Failure {
    @Override
    public String code() {
      return "non-finite-output";
    }

    @Override
    public String message() {
      return "the model returned NaN or Inf for sample " + sample + " at time " + time;
    }
  }

  /**
   * The sampler threw while taking the row's ε.
   *
   * @param error what it threw
   */
  record SamplerError(RuntimeException error) implements Failure {
    @Override
    public String code() {
      return "internal";
    }

    @Override
    public String message() {
      return "sampler error: " + error;
    }
  }

  /**
   * The network evaluation holding the job's rows threw.
   *
   * @param error what it threw
   */
  record EvaluationError(RuntimeException error) implements Failure {
    @Override
    public String code() {
      return "internal";
    }

    @Override
    public String message() {
      return "model evaluation failed: " + error.getMessage();
    }
  }

  /** The job's deadline passed before it finished. */
  record DeadlineExceeded() implements Failure {
    @Override
    public String code() {
      return "deadline-exceeded";
    }

    @Override
    public String message() {
      return "the job's deadline passed before it finished";
    }
  }

  /**
   * A sample would need more network evaluations than the job was admitted with (an adaptive solver, {@code ode-rk45},
   * is charged a bound from its tolerances and held to it).
   *
   * @param sample the sample's index in its job
   * @param limit the evaluations per sample the job was admitted with
   */
  record NfeLimitExceeded(int sample, long limit) implements Failure {
    @Override
    public String code() {
      return "nfe-limit-exceeded";
    }

    @Override
    public String message() {
      return "sample " + sample + " needs more than the " + limit + " network evaluations this job was admitted "
          + "with (the bound charged for its tolerances): loosen rtol/atol, or use a fixed-step sampler";
    }
  }
}
