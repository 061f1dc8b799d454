package dev.dpm.core.continuous;

import dev.dpm.core.schedule.NoiseSchedule;

/**
 * The continuous-time view of a variance-preserving diffusion on t ∈ [0, 1] (Song et al. 2021,
 * "Score-Based Generative Modeling through SDEs", eq. 11 and 17):
 *
 * <pre>
 *   VP:     dx = −½β(t) x dt + √β(t) dw,                       x_t = α(t) x₀ + σ(t) ε
 *   sub-VP: dx = −½β(t) x dt + √(β(t)(1 − e^{−2∫₀ᵗβ})) dw       (eq. 17)
 * </pre>
 *
 * with ᾱ(t) = exp(−∫₀ᵗβ), mean coefficient α(t) = √ᾱ(t) and marginal standard deviation
 * σ(t) = √(1 − ᾱ(t)) (VP) or 1 − ᾱ(t) (sub-VP). In the general form dx = f(t)x dt + g(t) dw,
 * f = −½β and g² = β (VP) or β(1 − ᾱ²) (sub-VP, since e^{−2∫β} = ᾱ²).
 *
 * <p>Two choices of ᾱ(t):
 *
 * <ul>
 *   <li>{@link Kind#MATCHED} (what a discrete model needs): log ᾱ(t) =
 *       {@link NoiseSchedule#logAlphaBarAt}(t·N), linear in t between the grid points n/N, so
 *       ᾱ(n/N) equals the discrete ᾱ_n exactly and β(t) = −d log ᾱ/dt is piecewise constant,
 *       β(t) = −N·log(1 − β_m) on ((m−1)/N, m/N].
 *   <li>{@link Kind#LINEAR} (score_sde's VPSDE, for models trained on it): β(t) = β_min +
 *       t(β_max − β_min), log ᾱ(t) = −½t²(β_max − β_min) − tβ_min (β_min = 0.1, β_max = 20 by
 *       default).
 * </ul>
 *
 * <p>Time reaches the network in step-index units n = t·N ({@link #stepIndex}); the predictor maps
 * n to its own input convention. The score is s(x, t) = −ε(x, t)/σ(t) (score_sde
 * {@code get_score_fn}), and the probability-flow ODE (eq. 13) is
 *
 * <pre>
 *   dx/dt = f(t) x − ½ g²(t) s(x, t) = f(t) x + k(t) ε(x, t),   k = g²/(2σ).
 * </pre>
 *
 * <p>Immutable; shared freely between threads and processes.
 */
public final class VpSde {
  /** How ᾱ(t) is defined. */
  public enum Kind {
    /** log ᾱ interpolated linearly in t between the discrete schedule's steps. */
    MATCHED,
    /** score_sde's closed-form linear β(t). */
    LINEAR
  }

  private final Kind kind;
  private final NoiseSchedule schedule; // MATCHED only
  private final double betaMin; // LINEAR only
  private final double betaMax; // LINEAR only
  private final int n;
  private final boolean subVp;

  private VpSde(Kind kind, NoiseSchedule schedule, double betaMin, double betaMax, int n,
      boolean subVp) {
    this.kind = kind;
    this.schedule = schedule;
    this.betaMin = betaMin;
    this.betaMax = betaMax;
    this.n = n;
    this.subVp = subVp;
  }

  /**
   * The VP-SDE matched to a discrete schedule.
   *
   * @param schedule the model's schedule
   * @return the SDE with log ᾱ(t) = logAlphaBarAt(t·N)
   */
  public static VpSde matched(NoiseSchedule schedule) {
    return new VpSde(Kind.MATCHED, schedule, Double.NaN, Double.NaN, schedule.steps(), false);
  }

  /**
   * score_sde's linear VP-SDE, β_min = 0.1, β_max = 20.
   *
   * @param n N, the scale of step-index time units (n = t·N)
   * @return the SDE
   */
  public static VpSde linear(int n) {
    return linear(0.1, 20.0, n);
  }

  /**
   * A linear VP-SDE.
   *
   * @param betaMin β(0) &gt; 0
   * @param betaMax β(1) ≥ β_min
   * @param n N, the scale of step-index time units (n = t·N)
   * @return the SDE
   */
  public static VpSde linear(double betaMin, double betaMax, int n) {
    if (!(betaMin > 0 && betaMax >= betaMin && Double.isFinite(betaMax)) || n < 1) {
      throw new IllegalArgumentException(
          "need 0 < betaMin <= betaMax and N >= 1, got " + betaMin + ", " + betaMax + ", " + n);
    }
    return new VpSde(Kind.LINEAR, null, betaMin, betaMax, n, false);
  }

  /**
   * @param on whether to use the sub-VP diffusion (eq. 17)
   * @return this SDE with the same β(t) and the chosen diffusion
   */
  public VpSde withSubVp(boolean on) {
    return new VpSde(kind, schedule, betaMin, betaMax, n, on);
  }

  /** @return how ᾱ(t) is defined */
  public Kind kind() {
    return kind;
  }

  /** @return true for the sub-VP SDE */
  public boolean subVp() {
    return subVp;
  }

  /** @return N, the number of step-index units in t ∈ [0, 1] */
  public int steps() {
    return n;
  }

  /**
   * @param t time in [0, 1]
   * @return n = t·N, the {@link dev.dpm.core.sampler.EvalRequest} time
   */
  public double stepIndex(double t) {
    return t * n;
  }

  /**
   * @param t time in [0, 1]
   * @return log ᾱ(t) = −∫₀ᵗ β
   */
  public double logAlphaBar(double t) {
    if (kind == Kind.MATCHED) {
      return schedule.logAlphaBarAt(t * n);
    }
    return -0.5 * t * t * (betaMax - betaMin) - t * betaMin;
  }

  /**
   * β(t) = −d log ᾱ/dt. For {@link Kind#MATCHED} it is the left limit at grid points: on
   * ((m−1)/N, m/N] it equals −N·log(1 − β_m), the step that leads into n = m.
   *
   * @param t time in [0, 1]
   * @return β(t)
   */
  public double beta(double t) {
    if (kind == Kind.MATCHED) {
      int m = (int) Math.ceil(t * n);
      m = Math.max(1, Math.min(n, m));
      return -n * Math.log1p(-schedule.beta(m));
    }
    return betaMin + t * (betaMax - betaMin);
  }

  /**
   * @param t time
   * @return α(t) = √ᾱ(t), the mean coefficient of x_t given x₀
   */
  public double alpha(double t) {
    return Math.exp(0.5 * logAlphaBar(t));
  }

  /**
   * @param t time
   * @return σ(t): √(1 − ᾱ) for VP, 1 − ᾱ for sub-VP (no cancellation: uses expm1)
   */
  public double sigma(double t) {
    double oneMinus = -Math.expm1(logAlphaBar(t));
    return subVp ? oneMinus : Math.sqrt(oneMinus);
  }

  /**
   * @param t time
   * @return the log signal-to-noise ratio λ(t) = log(α(t)/σ(t)), decreasing in t
   */
  public double lambda(double t) {
    double la = logAlphaBar(t);
    double logOneMinus = Math.log(-Math.expm1(la));
    return 0.5 * la - (subVp ? logOneMinus : 0.5 * logOneMinus);
  }

  /**
   * The noise-to-signal ratio σ̃ = σ/α = e^{−λ}, the time variable in which the probability-flow
   * ODE of the scaled state x̃ = x/α reads dx̃/dσ̃ = ε(α x̃, t) (Karras et al. 2022 eq. 4 with
   * s = α; DDIM's Euler form, Song et al. 2020a eq. 14). Unlike t, it is smooth for the matched
   * SDE, whose β(t) is a staircase.
   *
   * @param t time
   * @return σ̃(t), increasing in t
   */
  public double sigmaTilde(double t) {
    double la = logAlphaBar(t);
    return subVp ? -Math.expm1(la) * Math.exp(-0.5 * la) : Math.sqrt(Math.expm1(-la));
  }

  /**
   * Inverts {@link #sigmaTilde}.
   *
   * @param sigmaTilde σ̃ ≥ 0
   * @return t ∈ [0, 1] with σ̃(t) = sigmaTilde (clamped to the ends)
   */
  public double timeAtSigmaTilde(double sigmaTilde) {
    double la;
    if (subVp) { // √ᾱ solves a² + σ̃a − 1 = 0
      la = 2.0 * Math.log(2.0 / (sigmaTilde + Math.sqrt(sigmaTilde * sigmaTilde + 4.0)));
    } else { // ᾱ = 1/(1 + σ̃²)
      la = -Math.log1p(sigmaTilde * sigmaTilde);
    }
    return timeAtLogAlphaBar(la);
  }

  /**
   * Inverts {@link #logAlphaBar}: exactly (binary search, then the linear piece) for
   * {@link Kind#MATCHED}, by the quadratic formula for {@link Kind#LINEAR}.
   *
   * @param logAlphaBar a value of log ᾱ
   * @return t ∈ [0, 1] with log ᾱ(t) = logAlphaBar (clamped to the ends)
   */
  public double timeAtLogAlphaBar(double logAlphaBar) {
    if (logAlphaBar >= 0) {
      return 0.0;
    }
    if (kind == Kind.MATCHED) {
      if (logAlphaBar <= schedule.logAlphaBar(n)) {
        return 1.0;
      }
      int lo = 0; // log ᾱ decreases in n; invariant L(lo) > la >= L(hi)
      int hi = n;
      while (hi - lo > 1) {
        int mid = (lo + hi) >>> 1;
        if (schedule.logAlphaBar(mid) > logAlphaBar) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      double a = schedule.logAlphaBar(lo);
      double b = schedule.logAlphaBar(hi);
      return (lo + (logAlphaBar - a) / (b - a)) / n;
    }
    double q = 0.5 * (betaMax - betaMin); // q t² + β_min t + la = 0
    double t = q == 0 ? -logAlphaBar / betaMin
        : 2.0 * -logAlphaBar / (betaMin + Math.sqrt(betaMin * betaMin - 4.0 * q * logAlphaBar));
    return Math.min(1.0, t);
  }

  /**
   * Inverts {@link #lambda} exactly (through log ᾱ).
   *
   * @param lambda a log-SNR value
   * @return t ∈ [0, 1] with λ(t) = lambda (clamped to the ends)
   */
  public double timeAtLambda(double lambda) {
    return timeAtSigmaTilde(Math.exp(-lambda));
  }

  /**
   * @param t time
   * @return f(t) = −½β(t), the drift coefficient of x
   */
  public double drift(double t) {
    return -0.5 * beta(t);
  }

  /**
   * @param t time
   * @return g²(t): β(t) for VP, β(t)(1 − ᾱ(t)²) for sub-VP
   */
  public double diffusion2(double t) {
    double b = beta(t);
    return subVp ? b * -Math.expm1(2.0 * logAlphaBar(t)) : b;
  }

  /**
   * @param t time
   * @return k(t) = g²(t)/(2σ(t)), the coefficient of ε in the probability-flow drift
   */
  public double flowEpsCoefficient(double t) {
    return diffusion2(t) / (2.0 * sigma(t));
  }

  /**
   * The per-step α_i of score_sde's Langevin corrector (1 − β_i of the discretisation with N steps):
   * exp(−β(t)/N), which equals 1 − β_m exactly for {@link Kind#MATCHED}.
   *
   * @param t time
   * @return α_i
   */
  public double langevinAlpha(double t) {
    return Math.exp(-beta(t) / n);
  }

  /** @return the standard deviation of the prior N(0, σ_T² I) that x_T is drawn from (1) */
  public double priorStd() {
    return 1.0;
  }

  @Override
  public String toString() {
    String base = kind == Kind.MATCHED ? "matched " + schedule
        : "linear[betaMin=" + betaMin + ", betaMax=" + betaMax + ", N=" + n + "]";
    return (subVp ? "subVpSde(" : "VpSde(") + base + ")";
  }
}
