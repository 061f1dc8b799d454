package dev.dpm.core.continuous;

/**
 * The Dormand–Prince 5(4) integrator (Dormand &amp; Prince 1980) as a state machine: it says where
 * it needs the derivative next ({@link #requestTime()}, {@link #requestState()}) and is handed it
 * ({@link #derivative}). A faithful port of scipy's {@code RK45} (the solver score_sde uses):
 * the same tableau and FSAL stage, the error estimate h·Σ E_j k_j measured in the RMS norm scaled by
 * atol + rtol·max(|y|, |y_new|), the step factor min(10, 0.9·err^{−1/5}) (at most 1 right after a
 * rejection, at least 0.2 on a rejection), and {@code select_initial_step} (one extra evaluation).
 *
 * <p>One instance integrates one sample, so batch-mates never share a step size. Differences from
 * scipy: a step below 10 ulp(t) is taken anyway instead of failing, and a non-finite error norm
 * accepts the step (the NaN then propagates to the result rather than looping).
 *
 * <p>Evaluations: 2 to start (f(t₀) and the initial-step probe), then 6 per attempted step.
 */
final class DormandPrince {
  private static final double[] C = {0, 1 / 5.0, 3 / 10.0, 4 / 5.0, 8 / 9.0, 1};
  private static final double[][] A = {
    {},
    {1 / 5.0},
    {3 / 40.0, 9 / 40.0},
    {44 / 45.0, -56 / 15.0, 32 / 9.0},
    {19372 / 6561.0, -25360 / 2187.0, 64448 / 6561.0, -212 / 729.0},
    {9017 / 3168.0, -355 / 33.0, 46732 / 5247.0, 49 / 176.0, -5103 / 18656.0},
  };
  private static final double[] B = {35 / 384.0, 0, 500 / 1113.0, 125 / 192.0, -2187 / 6784.0,
      11 / 84.0};
  private static final double[] E = {-71 / 57600.0, 0, 71 / 16695.0, -71 / 1920.0,
      17253 / 339200.0, -22 / 525.0, 1 / 40.0};
  private static final double SAFETY = 0.9;
  private static final double MIN_FACTOR = 0.2;
  private static final double MAX_FACTOR = 10;
  private static final double ERROR_EXPONENT = -1.0 / 5.0; // −1/(error estimator order + 1)
  private static final int INIT_F0 = -2;
  private static final int INIT_PROBE = -1;

  private final int n;
  private final double rtol;
  private final double atol;
  private final double tEnd;
  private final double direction;
  private final double[][] k; // [7][n] stage derivatives; k[0] = f(t, y)
  private double t;
  private double[] y; // [n]
  private double[] yNew; // [n]
  private double hAbs;
  private double h; // signed size of the current attempt
  private double tNew; // end time of the current attempt
  private double h0; // initial-step probe size
  private int stage; // INIT_F0, INIT_PROBE, or 1..6: index of the k being requested
  private boolean rejectedLast;
  private double reqT;
  private double[] reqY;
  private int accepted;
  private int rejected;
  private int evaluations;

  /**
   * @param y0 the start state (copied)
   * @param t0 the start time
   * @param tEnd the end time (either direction)
   * @param rtol relative tolerance &gt; 0
   * @param atol absolute tolerance &gt; 0
   */
  DormandPrince(double[] y0, double t0, double tEnd, double rtol, double atol) {
    this.n = y0.length;
    this.rtol = rtol;
    this.atol = atol;
    this.tEnd = tEnd;
    this.direction = Math.signum(tEnd - t0);
    this.k = new double[7][n];
    this.t = t0;
    this.y = y0.clone();
    this.stage = INIT_F0;
    this.reqT = t0;
    this.reqY = y;
  }

  /** @return true when t has reached the end time */
  boolean done() {
    return t == tEnd;
  }

  /** @return the time of the derivative needed next */
  double requestTime() {
    return reqT;
  }

  /** @return the state of the derivative needed next, [n] (do not modify) */
  double[] requestState() {
    return reqY;
  }

  /** @return the current (accepted) time */
  double time() {
    return t;
  }

  /** @return the current (accepted) state, [n] (do not modify) */
  double[] state() {
    return y;
  }

  /** @return accepted steps */
  int accepted() {
    return accepted;
  }

  /** @return rejected attempts */
  int rejected() {
    return rejected;
  }

  /** @return derivatives consumed */
  int evaluations() {
    return evaluations;
  }

  /** @return accepted steps plus the remaining interval over the current step size (an estimate) */
  int estimatedSteps() {
    if (done() || stage < 1 || !(hAbs > 0)) {
      return accepted + (done() ? 0 : 1);
    }
    double left = Math.abs(tEnd - t) / hAbs;
    return accepted + (int) Math.min(1_000_000, Math.ceil(left));
  }

  /**
   * Hands over the derivative at ({@link #requestTime()}, {@link #requestState()}).
   *
   * @param f dy/dt there, [n]; copied
   */
  void derivative(double[] f) {
    if (done()) {
      throw new IllegalStateException("the integration is finished");
    }
    evaluations++;
    if (stage == INIT_F0) {
      System.arraycopy(f, 0, k[0], 0, n);
      probeInitialStep();
    } else if (stage == INIT_PROBE) {
      selectInitialStep(f);
      attempt();
    } else {
      System.arraycopy(f, 0, k[stage], 0, n);
      if (stage < 6) {
        stage++;
        requestStage();
      } else {
        finishAttempt();
      }
    }
  }

  /** scipy {@code select_initial_step}, first half: h₀ from the norms of y₀ and f₀. */
  private void probeInitialStep() {
    double interval = Math.abs(tEnd - t);
    double d0 = 0;
    double d1 = 0;
    for (int i = 0; i < n; i++) {
      double scale = atol + Math.abs(y[i]) * rtol;
      d0 += sq(y[i] / scale);
      d1 += sq(k[0][i] / scale);
    }
    d0 = Math.sqrt(d0 / n);
    d1 = Math.sqrt(d1 / n);
    h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = Math.min(h0, interval);
    double[] y1 = new double[n];
    for (int i = 0; i < n; i++) {
      y1[i] = y[i] + h0 * direction * k[0][i];
    }
    stage = INIT_PROBE;
    reqT = t + h0 * direction;
    reqY = y1;
  }

  /** scipy {@code select_initial_step}, second half: h₁ from the change of f (order 4). */
  private void selectInitialStep(double[] f1) {
    double interval = Math.abs(tEnd - t);
    double d1 = 0;
    double d2 = 0;
    for (int i = 0; i < n; i++) {
      double scale = atol + Math.abs(y[i]) * rtol;
      d1 += sq(k[0][i] / scale);
      d2 += sq((f1[i] - k[0][i]) / scale);
    }
    d1 = Math.sqrt(d1 / n);
    d2 = Math.sqrt(d2 / n) / h0;
    double h1 = (d1 <= 1e-15 && d2 <= 1e-15)
        ? Math.max(1e-6, h0 * 1e-3)
        : Math.pow(0.01 / Math.max(d1, d2), 1.0 / 5.0);
    hAbs = Math.min(Math.min(100 * h0, h1), interval);
  }

  /** Starts an attempt of size hAbs from (t, y), clipped to the end time. */
  private void attempt() {
    double minStep = 10 * Math.abs(Math.nextAfter(t, direction * Double.POSITIVE_INFINITY) - t);
    if (!(hAbs >= minStep)) {
      hAbs = minStep;
    }
    tNew = t + hAbs * direction;
    if (direction * (tNew - tEnd) > 0) {
      tNew = tEnd;
    }
    h = tNew - t;
    hAbs = Math.abs(h);
    stage = 1;
    requestStage();
  }

  /** Sets the request for k[stage]: y + h Σ_j A[s][j] k_j at t + C[s] h, or y_new at t + h. */
  private void requestStage() {
    double[] ys = new double[n];
    if (stage < 6) {
      double[] a = A[stage];
      for (int i = 0; i < n; i++) {
        double acc = 0;
        for (int j = 0; j < a.length; j++) {
          acc += a[j] * k[j][i];
        }
        ys[i] = y[i] + h * acc;
      }
      reqT = t + C[stage] * h;
    } else {
      for (int i = 0; i < n; i++) {
        double acc = 0;
        for (int j = 0; j < 6; j++) {
          acc += B[j] * k[j][i];
        }
        ys[i] = y[i] + h * acc;
      }
      yNew = ys;
      reqT = tNew;
    }
    reqY = ys;
  }

  /** Error control on the completed attempt (k[6] = f(t + h, y_new), FSAL). */
  private void finishAttempt() {
    double norm = 0;
    for (int i = 0; i < n; i++) {
      double err = 0;
      for (int j = 0; j < 7; j++) {
        err += E[j] * k[j][i];
      }
      err *= h;
      double scale = atol + Math.max(Math.abs(y[i]), Math.abs(yNew[i])) * rtol;
      norm += sq(err / scale);
    }
    norm = Math.sqrt(norm / n);
    double minStep = 10 * Math.abs(Math.nextAfter(t, direction * Double.POSITIVE_INFINITY) - t);
    if (norm < 1 || Double.isNaN(norm) || hAbs <= minStep) {
      double factor;
      if (Double.isNaN(norm)) {
        factor = 1;
      } else if (norm == 0) {
        factor = MAX_FACTOR;
      } else {
        factor = Math.min(MAX_FACTOR, SAFETY * Math.pow(norm, ERROR_EXPONENT));
      }
      if (rejectedLast) {
        factor = Math.min(1, factor);
      }
      hAbs *= factor;
      t = tNew;
      y = yNew;
      System.arraycopy(k[6], 0, k[0], 0, n);
      accepted++;
      rejectedLast = false;
      if (!done()) {
        attempt();
      }
    } else {
      hAbs *= Math.max(MIN_FACTOR, SAFETY * Math.pow(norm, ERROR_EXPONENT));
      rejected++;
      rejectedLast = true;
      attempt();
    }
  }

  private static double sq(double v) {
    return v * v;
  }
}
