package dev.dpm.core.variance;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.schedule.NoiseSchedule;

/**
 * The variance σ²_{s|t} of a reverse step x_t → x_s (s &lt; t), for one of the rules below.
 * Formulas follow the reference (analytic-dpm.md §2.4–2.6), in ε units (Γ^eps_t = E‖ε_θ‖²/d).
 *
 * <p>Every rule has a forward-process variance λ² (the non-Markov family of §2.1): DDPM-type steps
 * use λ² = β̃_{s|t}, DDIM-type steps λ² = η²β̃_{s|t}. The DDPM forward rule keeps λ² = β̃ for the
 * mean but samples with σ² = β_{t|s}.
 */
public sealed interface ReverseVariance {

  /** DDPM with σ² = β̃_{s|t} (posterior, "fixed_small"). */
  record Posterior() implements ReverseVariance {}

  /** DDPM with σ² = β_{t|s} (forward, "fixed_large"). */
  record Forward() implements ReverseVariance {}

  /**
   * DDIM with σ² = λ² = η²β̃_{s|t} (Song et al. 2020a, eq. 16).
   *
   * @param eta η ≥ 0
   */
  record Ddim(double eta) implements ReverseVariance {}

  /**
   * Analytic-DPM: σ² = λ² + c²_{s,t}·clip(v_t, 0, ((b−a)/2)²), v_t = (β̄_t/ᾱ_t)(1 − Γ^eps_t),
   * c_{s,t} = √ᾱ_s − √((β̄_s − λ²)ᾱ_t/β̄_t) (reference §2.4, Thm 1 and eq. 9; clip = Thm 2).
   *
   * @param ddimType false: DDPM-type (λ² = β̃); true: DDIM-type (λ² = η²β̃)
   * @param eta η for the DDIM type (ignored for the DDPM type)
   * @param gamma Γ^eps[0..N]
   * @param range the data range; unbounded data clip only from below
   */
  record Analytic(boolean ddimType, double eta, double[] gamma, DataRange range)
      implements ReverseVariance {}

  /**
   * SN-DPM / NPR-DPM: σ²_j = λ² + c²_{s,t}·v_j with the state-dependent diagonal Cov[x₀ | x_t]
   * estimate v_j of the network's second head ({@link ImperfectMeanCovariance}). It has no
   * state-independent σ²: {@link #sigma2} refuses it, the sampler and the bound compute σ² per
   * dimension from each evaluation.
   *
   * @param head SN or NPR
   * @param ddimType false: DDPM-type (λ² = β̃); true: DDIM-type (λ² = η²β̃)
   * @param eta η for the DDIM type (ignored for the DDPM type)
   * @param range the data range (the clip of v)
   */
  record Imperfect(ImperfectMeanCovariance.Head head, boolean ddimType, double eta, DataRange range)
      implements ReverseVariance {}

  /**
   * λ²_{s|t}, the variance of the forward-family posterior q(x_s | x_t, x₀) whose mean the step uses.
   *
   * @param sched schedule
   * @param s target step, 0 ≤ s &lt; t
   * @param t current step
   * @return λ²
   */
  default double lambda2(NoiseSchedule sched, int s, int t) {
    double tb = sched.tildeBeta(s, t);
    if (this instanceof Ddim d) {
      return d.eta() * d.eta() * tb;
    }
    if (this instanceof Analytic a && a.ddimType()) {
      return a.eta() * a.eta() * tb;
    }
    if (this instanceof Imperfect m && m.ddimType()) {
      return m.eta() * m.eta() * tb;
    }
    return tb; // Posterior, Forward, DDPM-type Analytic

  }

  /**
   * σ²_{s|t} of the step, before any sampling-only σ₂ clip.
   *
   * @param sched schedule
   * @param s target step, 0 ≤ s &lt; t
   * @param t current step
   * @return σ²
   * @throws UnsupportedOperationException for {@link Imperfect}, whose σ² depends on x_t
   */
  default double sigma2(NoiseSchedule sched, int s, int t) {
    if (this instanceof Imperfect) {
      throw new UnsupportedOperationException("the SN/NPR variance depends on x_t: see ImperfectMeanCovariance");
    }
    if (this instanceof Forward) {
      return sched.skipBeta(s, t);
    }
    double lam2 = lambda2(sched, s, t);
    if (this instanceof Analytic a) {
      double c = analyticCoefficient(sched, s, t, lam2);
      double v = sched.betaBar(t) / sched.alphaBar(t) * (1.0 - a.gamma()[t]); // Cov[x0|x_t] per pixel
      v = Math.max(0.0, Math.min(v, a.range().maxVariance()));
      return lam2 + c * c * v;
    }
    return lam2; // Posterior (β̃), Ddim (η²β̃)

  }

  /**
   * c_{s,t} = √ᾱ_s − √((β̄_s − λ²)ᾱ_t/β̄_t); for DDPM type equals √ᾱ_s β_{t|s}/β̄_t.
   *
   * @param sched schedule
   * @param s target step
   * @param t current step
   * @param lambda2 λ²
   * @return c_{s,t}
   */
  static double analyticCoefficient(NoiseSchedule sched, int s, int t, double lambda2) {
    return Math.sqrt(sched.alphaBar(s))
        - Math.sqrt(Math.max(0.0, sched.betaBar(s) - lambda2) * sched.alphaBar(t) / sched.betaBar(t));
  }

  /**
   * The sampling-only clip of the step into x₁ (reference §2.6): σ₂² ≤ (y·2/255·√(π/2))².
   *
   * @param y tolerated perturbation in pixel levels, 1 or 2
   * @return the bound on σ² (9.663e-5 for y = 1, 3.865e-4 for y = 2)
   */
  static double sigma2ClipBound(int y) {
    double b = y * 2.0 / 255.0 * Math.sqrt(Math.PI / 2.0);
    return b * b;
  }
}
