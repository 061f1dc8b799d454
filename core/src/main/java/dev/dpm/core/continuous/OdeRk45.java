package dev.dpm.core.continuous;

/**
 * {@code ode-rk45}: the probability-flow ODE solved by adaptive Dormand–Prince RK45 with
 * {@code rtol}/{@code atol} (score_sde {@code get_ode_sampler}, which calls scipy
 * {@code solve_ivp(method='RK45')} in t). Here the solver integrates the scaled state x̃ = x/α in
 * u = log σ̃ = −λ (log noise-to-signal ratio), where the ODE reads
 *
 * <pre>
 *   dx̃/du = σ̃ ε(α x̃, t(u))
 * </pre>
 *
 * (the same solution curves as dx/dt = f x − ½g²s; see {@link OdeEuler}). In t the matched SDE's
 * β(t) is a staircase, which leaves RK45 at rtol = atol = 1e-5 with errors near 1e-3; in σ̃ the
 * error control is erratic. In u, on the Gaussian oracle, the global error stays within about 2×
 * the tolerance (2e-5 at 1e-5, about 120 NFE). The tolerances apply to x̃, which equals x near
 * the data end (α ≈ 1) and is x/α (relative accuracy unchanged) elsewhere.
 *
 * <p>Error control is per sample: this process owns its {@link DormandPrince}, so batch-mates never
 * change each other's step sizes (score_sde flattens the whole batch into one vector). Every
 * derivative is one ε evaluation (2 to start, 6 per attempted step); {@link #totalSteps()} is an
 * estimate (accepted steps plus what is left at the current step size).
 */
final class OdeRk45 extends ContinuousProcess {
  private final DormandPrince solver; // on x̃ in u = log σ̃
  private final double[] state; // [d], scratch for x = α x̃
  private final double[] slope; // [d], scratch for σ̃ ε

  /**
   * @param sde the SDE
   * @param from start time
   * @param to end time
   * @param rtol relative tolerance
   * @param atol absolute tolerance
   * @param denoise whether to end with the denoising evaluation at {@code to}
   * @param x start state x(from), [d]
   */
  OdeRk45(VpSde sde, double from, double to, double rtol, double atol, boolean denoise,
      double[] x) {
    super(sde, x.length, denoise, to);
    double a = sde.alpha(from);
    double[] scaled = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      scaled[j] = x[j] / a;
    }
    this.solver = new DormandPrince(scaled, logSigmaTilde(sde, from), logSigmaTilde(sde, to),
        rtol, atol);
    this.state = new double[x.length];
    this.slope = new double[x.length];
    request();
  }

  static double logSigmaTilde(VpSde sde, double t) {
    return Math.log(sde.sigmaTilde(t));
  }

  /** Sets x = α(t(u)) x̃ into {@code state}; returns t(u). */
  private double physical(double u, double[] scaled) {
    double t = sde.timeAtSigmaTilde(Math.exp(u));
    double a = sde.alpha(t);
    for (int j = 0; j < d; j++) {
      state[j] = a * scaled[j];
    }
    return t;
  }

  private void request() {
    double t = physical(solver.requestTime(), solver.requestState());
    ask(state, t);
  }

  @Override
  void advance(float[] eps) {
    double st = Math.exp(solver.requestTime()); // σ̃
    for (int j = 0; j < d; j++) {
      slope[j] = st * eps[j];
    }
    solver.derivative(slope);
    if (solver.done()) {
      physical(solver.time(), solver.state());
      finish(state);
    } else {
      request();
    }
  }

  @Override
  public int step() {
    return solver.accepted();
  }

  @Override
  public int totalSteps() {
    return solver.estimatedSteps();
  }
}
