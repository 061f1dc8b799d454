package dev.dpm.core.schedule;

import java.util.Arrays;

/**
 * An immutable discrete noise schedule β₁..β_N with the Analytic-DPM padding β₀ = 0, so every
 * array has length N+1 and ᾱ₀ = 1 (reference §1.1).
 *
 * <p>Notation: α_n = 1 − β_n (per step), ᾱ_n = ∏_{i≤n} α_i (cumulative, DDPM's \bar\alpha),
 * β̄_n = 1 − ᾱ_n (cumulative noise variance). Skip quantities for s &lt; t: α_{t|s} = ᾱ_t/ᾱ_s,
 * β_{t|s} = 1 − α_{t|s}, β̃_{s|t} = β̄_s β_{t|s}/β̄_t. All quantities are double precision; β̄ and
 * β_{t|s} are formed from log-sums with {@code expm1} so they keep full relative precision when
 * they are tiny (no 1 − (1 − ε) cancellation).
 *
 * <p>Instances are shared freely between threads and samplers.
 */
public final class NoiseSchedule {
  private final double[] beta; // [N+1], beta[0] = 0
  private final double[] logAlphaBar; // [N+1], log ᾱ_n = Σ log1p(−β_i)
  private final double[] alphaBar; // [N+1]
  private final double[] betaBar; // [N+1], = −expm1(log ᾱ_n)

  private NoiseSchedule(double[] betasOneBased) {
    int n = betasOneBased.length;
    if (n < 2) {
      throw new IllegalArgumentException("a schedule needs at least 2 steps, got " + n);
    }
    beta = new double[n + 1];
    logAlphaBar = new double[n + 1];
    alphaBar = new double[n + 1];
    betaBar = new double[n + 1];
    alphaBar[0] = 1.0;
    for (int i = 1; i <= n; i++) {
      double b = betasOneBased[i - 1];
      if (!(b > 0.0 && b < 1.0)) {
        throw new IllegalArgumentException("beta_" + i + " must lie in (0, 1), got " + b);
      }
      beta[i] = b;
      logAlphaBar[i] = logAlphaBar[i - 1] + Math.log1p(-b);
      alphaBar[i] = Math.exp(logAlphaBar[i]);
      betaBar[i] = -Math.expm1(logAlphaBar[i]);
    }
  }

  /**
   * A schedule from explicit per-step variances.
   *
   * @param betas β₁..β_N, each in (0, 1)
   * @return the schedule
   */
  public static NoiseSchedule ofBetas(double[] betas) {
    return new NoiseSchedule(betas.clone());
  }

  /**
   * DDPM's linear schedule: β = linspace(scale·1e-4, scale·0.02, N) with scale = 1000/N
   * (improved-diffusion {@code get_named_beta_schedule("linear")}).
   *
   * @param n number of steps N
   * @return the schedule
   */
  public static NoiseSchedule linear(int n) {
    double scale = 1000.0 / n;
    return ofBetas(linspace(scale * 1e-4, scale * 0.02, n));
  }

  /**
   * Stable Diffusion's scaled-linear schedule: β = linspace(√start, √end, N)².
   *
   * @param n number of steps N
   * @param betaStart first β
   * @param betaEnd last β
   * @return the schedule
   */
  public static NoiseSchedule scaledLinear(int n, double betaStart, double betaEnd) {
    double[] r = linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n);
    for (int i = 0; i < n; i++) {
      r[i] = r[i] * r[i];
    }
    return ofBetas(r);
  }

  /**
   * Improved-DDPM cosine schedule: f(u) = cos²(((u + s)/(1 + s))·π/2), s = 0.008,
   * β_n = min(1 − f(n/N)/f((n−1)/N), 0.999) (Nichol &amp; Dhariwal 2021, eq. 17).
   *
   * @param n number of steps N
   * @return the schedule
   */
  public static NoiseSchedule cosine(int n) {
    double s = 0.008;
    double[] b = new double[n];
    for (int i = 1; i <= n; i++) {
      double f1 = Math.pow(Math.cos(((double) i / n + s) / (1 + s) * Math.PI / 2), 2);
      double f0 = Math.pow(Math.cos(((double) (i - 1) / n + s) / (1 + s) * Math.PI / 2), 2);
      b[i - 1] = Math.min(1 - f1 / f0, 0.999);
    }
    return ofBetas(b);
  }

  /**
   * numpy.linspace(start, stop, num) in double precision.
   *
   * @param start first value
   * @param stop last value
   * @param num how many
   * @return the values
   */
  public static double[] linspace(double start, double stop, int num) {
    double[] r = new double[num];
    double step = (stop - start) / (num - 1);
    for (int i = 0; i < num; i++) {
      r[i] = start + i * step;
    }
    r[num - 1] = stop;
    return r;
  }

  /** @return N, the number of diffusion steps */
  public int steps() {
    return beta.length - 1;
  }

  /**
   * @param n step index 0..N
   * @return β_n (β₀ = 0)
   */
  public double beta(int n) {
    return beta[n];
  }

  /**
   * @param n step index 0..N
   * @return α_n = 1 − β_n
   */
  public double alpha(int n) {
    return 1.0 - beta[n];
  }

  /**
   * @param n step index 0..N
   * @return ᾱ_n (ᾱ₀ = 1)
   */
  public double alphaBar(int n) {
    return alphaBar[n];
  }

  /**
   * @param n step index 0..N
   * @return β̄_n = 1 − ᾱ_n, computed without cancellation
   */
  public double betaBar(int n) {
    return betaBar[n];
  }

  /**
   * @param n step index 0..N
   * @return log ᾱ_n
   */
  public double logAlphaBar(int n) {
    return logAlphaBar[n];
  }

  /**
   * The continuous extension used by the SDE/ODE samplers: log ᾱ interpolated linearly between
   * integer steps (a piecewise-constant β(t)), so it agrees with the discrete schedule at every n.
   *
   * @param n a real step index in [0, N]
   * @return log ᾱ(n)
   */
  public double logAlphaBarAt(double n) {
    if (n <= 0) {
      return 0.0;
    }
    int last = steps();
    if (n >= last) {
      return logAlphaBar[last];
    }
    int lo = (int) Math.floor(n);
    double frac = n - lo;
    return logAlphaBar[lo] + frac * (logAlphaBar[lo + 1] - logAlphaBar[lo]);
  }

  /**
   * @param s earlier step, 0 ≤ s ≤ t
   * @param t later step
   * @return α_{t|s} = ᾱ_t/ᾱ_s
   */
  public double skipAlpha(int s, int t) {
    checkPair(s, t);
    return Math.exp(logAlphaBar[t] - logAlphaBar[s]);
  }

  /**
   * @param s earlier step, 0 ≤ s ≤ t
   * @param t later step
   * @return β_{t|s} = 1 − α_{t|s}, computed as −expm1(log ᾱ_t − log ᾱ_s)
   */
  public double skipBeta(int s, int t) {
    checkPair(s, t);
    return -Math.expm1(logAlphaBar[t] - logAlphaBar[s]);
  }

  /**
   * The DDPM posterior variance of the skip step t → s.
   *
   * @param s earlier step, 0 ≤ s &lt; t
   * @param t later step
   * @return β̃_{s|t} = β̄_s·β_{t|s}/β̄_t
   */
  public double tildeBeta(int s, int t) {
    return betaBar[s] * skipBeta(s, t) / betaBar[t];
  }

  /** @return a copy of β₀..β_N */
  public double[] betas() {
    return beta.clone();
  }

  private void checkPair(int s, int t) {
    if (s < 0 || t > steps() || s > t) {
      throw new IllegalArgumentException("need 0 <= s <= t <= N, got s=" + s + ", t=" + t);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NoiseSchedule other && Arrays.equals(beta, other.beta);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(beta);
  }

  @Override
  public String toString() {
    return "NoiseSchedule[N=" + steps() + ", beta1=" + beta[1] + ", betaN=" + beta[steps()] + "]";
  }
}
