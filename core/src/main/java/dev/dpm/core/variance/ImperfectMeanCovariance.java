package dev.dpm.core.variance;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.schedule.NoiseSchedule;

/**
 * The state-dependent diagonal covariance of SN-DPM and NPR-DPM (Bao et al. 2022b, "Estimating the
 * Optimal Covariance with Imperfect Mean in Diffusion Probabilistic Models"; official
 * {@code core/diffusion/dtdpm.py}, {@code _predict_cov_x0} and {@code _predict_cov_prev}). A second
 * head of the network gives, per dimension, h = E[ε² | x_t] (SN, {@code eps_eps2}) or
 * h = E[(ε − ε_θ)² | x_t] (NPR, {@code eps_epsc}); then, per dimension j,
 *
 * <pre>
 *   Cov[x₀ | x_t]_j ≈ v_j = (β̄_t/ᾱ_t)·(h_j − ε_θ,j²)     (SN)
 *                        = (β̄_t/ᾱ_t)·h_j                (NPR)
 *   v_j ← clip(v_j, 0, ((b − a)/2)²)                    (the official clamp(0, 1) for data in [−1, 1])
 *   σ²_j = λ² + c²_{s,t} v_j,   c_{s,t} = √ᾱ_s − √((β̄_s − λ²)ᾱ_t/β̄_t)
 * </pre>
 *
 * with λ² = β̃_{s|t} for DDPM-type steps (c² = ᾱ_s β²_{t|s}/β̄²_t) and η²β̃_{s|t} for DDIM-type steps
 * ({@link ReverseVariance#analyticCoefficient}). With v_j = (β̄_t/ᾱ_t)(1 − Γ^eps_t) in every
 * dimension this is Analytic-DPM. Pure functions; arrays are [d].
 */
public final class ImperfectMeanCovariance {
  /** What the second head predicts. */
  public enum Head {
    /** SN-DPM: E[ε² | x_t] ({@code pred_eps_eps2_pretrained}). */
    SN(SecondHead.EPS2),
    /** NPR-DPM: E[(ε − ε_θ)² | x_t] ({@code pred_eps_epsc_pretrained}). */
    NPR(SecondHead.EPSC);

    private final SecondHead output;

    Head(SecondHead output) {
      this.output = output;
    }

    /** @return the network output this estimator reads */
    public SecondHead output() {
      return output;
    }
  }

  private ImperfectMeanCovariance() {}

  /**
   * The clipped estimate of Cov[x₀ | x_t] per dimension.
   *
   * @param head SN or NPR
   * @param sched schedule
   * @param t the current step, 1 ≤ t ≤ N
   * @param eps ε_θ(x_t), [d]
   * @param second the second head's output h(x_t), [d]
   * @param range the data range (unbounded data clip only from below)
   * @return v, [d]
   */
  public static double[] covX0(Head head, NoiseSchedule sched, int t, float[] eps, float[] second,
      DataRange range) {
    double scale = sched.betaBar(t) / sched.alphaBar(t);
    double max = range.maxVariance();
    double[] v = new double[eps.length];
    for (int j = 0; j < v.length; j++) {
      v[j] = covX0(head, scale, max, eps[j], second[j]);
    }
    return v;
  }

  /**
   * The clipped estimate of Cov[x₀ | x_t] in one dimension (what {@link #covX0(Head, NoiseSchedule,
   * int, float[], float[], DataRange)} does per dimension; the samplers call it in their loop).
   *
   * @param head SN or NPR
   * @param scale β̄_t/ᾱ_t
   * @param max the upper clip ((b − a)/2)², +∞ for unbounded data
   * @param eps ε_θ,j
   * @param second h_j
   * @return v_j ∈ [0, max]
   */
  public static double covX0(Head head, double scale, double max, float eps, float second) {
    double h = head == Head.SN ? second - (double) eps * eps : second;
    return Math.max(0.0, Math.min(scale * h, max));
  }

  /**
   * σ²_{s|t} per dimension of the step x_t → x_s.
   *
   * @param sched schedule
   * @param s target step, 0 ≤ s &lt; t
   * @param t current step
   * @param lambda2 λ² of the step's mean (β̃_{s|t}, or η²β̃_{s|t} for the DDIM type)
   * @param covX0 v from {@link #covX0}, [d]
   * @return σ², [d]
   */
  public static double[] sigma2(NoiseSchedule sched, int s, int t, double lambda2, double[] covX0) {
    double c = ReverseVariance.analyticCoefficient(sched, s, t, lambda2);
    double[] out = new double[covX0.length];
    for (int j = 0; j < out.length; j++) {
      out[j] = lambda2 + c * c * covX0[j];
    }
    return out;
  }
}
