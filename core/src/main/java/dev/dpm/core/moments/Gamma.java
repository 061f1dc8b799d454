package dev.dpm.core.moments;

import dev.dpm.core.schedule.NoiseSchedule;

/**
 * Γ^eps[0..N] = E‖ε_θ(x_n, n)‖²/d in ε units (reference §2.3; equals β̄_n times the paper's
 * score-unit Γ_n, paper eq. 8), with the standard error of each entry and its provenance.
 * Index 0 is unused and 0 by convention, as in the official code's {@code ms_eps}.
 *
 * <p>Stored beside the model as {@code gamma.json} (read and written by the runtime's {@code GammaJson}):
 * <pre>{@code
 * {"gamma":[0.0, ...N+1...], "stdError":[0.0, ...],
 *  "provenance":{"modelSha256":"…","data":"…","samples":1000,"seed":0,"estimator":"monte-carlo",
 *                "created":"2025-01-01T00:00:00Z",
 *                "schedule":{"type":"linear","steps":1000,"beta1":1.0E-4,"betaN":0.02,"betasSha256":"…"}}}
 * }</pre>
 *
 * <p>Immutable; accessors return copies.
 */
public final class Gamma {
  private final double[] values; // [N+1]
  private final double[] stdError; // [N+1]
  private final Provenance provenance;

  /**
   * @param values Γ^eps[0..N], finite and ≥ 0
   * @param stdError standard errors [0..N], finite and ≥ 0 (zeros for a closed form)
   * @param provenance where it came from
   * @throws IllegalArgumentException when the arrays differ in length, are shorter than 3, or hold
   *     negative or non-finite values
   */
  public Gamma(double[] values, double[] stdError, Provenance provenance) {
    this.values = values.clone();
    this.stdError = stdError.clone();
    this.provenance = provenance;
    if (values.length < 3) {
      throw new IllegalArgumentException("gamma needs N+1 >= 3 entries, got " + values.length);
    }
    if (stdError.length != values.length) {
      throw new IllegalArgumentException("stdError has " + stdError.length + " entries, gamma "
          + values.length);
    }
    for (int n = 0; n < values.length; n++) {
      if (!(Double.isFinite(values[n]) && values[n] >= 0)) {
        throw new IllegalArgumentException("gamma[" + n + "] = " + values[n] + " is not a finite value >= 0");
      }
      if (!(Double.isFinite(stdError[n]) && stdError[n] >= 0)) {
        throw new IllegalArgumentException("stdError[" + n + "] = " + stdError[n] + " is not finite and >= 0");
      }
    }
  }

  /** @return N */
  public int steps() {
    return values.length - 1;
  }

  /**
   * @param n step 0..N
   * @return Γ^eps_n
   */
  public double get(int n) {
    return values[n];
  }

  /** @return a copy of Γ^eps[0..N], the form {@code ReverseVariance.Analytic} takes */
  public double[] values() {
    return values.clone();
  }

  /** @return a copy of the standard errors [0..N] */
  public double[] stdError() {
    return stdError.clone();
  }

  /** @return the provenance */
  public Provenance provenance() {
    return provenance;
  }

  /**
   * Checks that this Γ belongs to a schedule.
   *
   * @param sched the model's schedule
   * @throws IllegalArgumentException naming the mismatch
   */
  public void checkSchedule(NoiseSchedule sched) {
    if (steps() != sched.steps()) {
      throw new IllegalArgumentException("gamma has " + values.length + " entries but the schedule needs N+1 = "
          + (sched.steps() + 1));
    }
    ScheduleInfo s = provenance == null ? null : provenance.schedule();
    if (s != null && !s.matches(sched)) {
      throw new IllegalArgumentException("gamma was made for a different schedule (" + s.type() + ", N="
          + s.steps() + ", beta1=" + s.beta1() + ", betaN=" + s.betaN() + ")");
    }
  }

  /**
   * Whether the model file this Γ was estimated with is the given one.
   *
   * @param sha256 hex SHA-256 of the model file now
   * @return true when the recorded hash equals it (case-insensitive); false when none is recorded
   */
  public boolean madeWithModel(String sha256) {
    return provenance != null && provenance.modelSha256() != null && sha256 != null
        && provenance.modelSha256().equalsIgnoreCase(sha256);
  }
}
