package dev.dpm.core.model;

import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The exact ε of an isotropic Gaussian mixture p₀ = Σ_k w_k N(μ_k, s_k² I) under the forward
 * process x_n = √ᾱ_n x₀ + √β̄_n ε (reference §1.1). The noised marginal is again a mixture,
 *
 * <pre>
 *   q_n(x) = Σ_k w_k N(x; √ᾱ_n μ_k, v_k I),   v_k = ᾱ_n s_k² + β̄_n,
 * </pre>
 *
 * and the optimal noise prediction is ε*(x, n) = E[ε | x_n = x] = −√β̄_n ∇log q_n(x)
 * (Tweedie; the score parameterisation s_n = −ε/√β̄_n of reference §1.1), i.e.
 *
 * <pre>
 *   ε*(x, n) = √β̄_n Σ_k r_k(x) (x − √ᾱ_n μ_k)/v_k,   r_k ∝ w_k N(x; √ᾱ_n μ_k, v_k I).
 * </pre>
 *
 * <p>It also carries both second heads of the extended analytic family in closed form
 * ({@link #predict}): per dimension j, with the component posteriors x₀ | x, k ~ N(m_kj, u_k),
 * m_kj = μ_kj + √ᾱ s_k²/v_k·(x_j − √ᾱ μ_kj) and u_k = s_k² β̄/v_k,
 *
 * <pre>
 *   Var(x₀,j | x) = Σ_k r_k (u_k + m_kj²) − (Σ_k r_k m_kj)²,   Var(ε_j | x) = (ᾱ/β̄)·Var(x₀,j | x)
 *   eps2: E[ε_j² | x] = Var(ε_j | x) + ε*_j²      epsc: E[(ε_j − ε*_j)² | x] = Var(ε_j | x)
 * </pre>
 *
 * (the residual head is exact because this ε_θ is the exact ε*).
 *
 * <p>ᾱ at a real n comes from {@link NoiseSchedule#logAlphaBarAt}, so continuous-time samplers can
 * use the oracle too. Responsibilities use log-sum-exp; all arithmetic is double. Rows are
 * independent and the predictor is stateless, hence thread-safe.
 */
public final class GaussianMixturePredictor implements NoisePredictor {
  private static final double LOG_2PI = Math.log(2.0 * Math.PI);
  private final MixtureSpec mixture;
  private final NoiseSchedule schedule;
  private final int d;
  private final double[] logWeights; // [K]
  private final double[] vars; // [K], s_k²

  /**
   * @param mixture the data distribution
   * @param schedule the forward process
   */
  public GaussianMixturePredictor(MixtureSpec mixture, NoiseSchedule schedule) {
    this.mixture = mixture;
    this.schedule = schedule;
    this.d = mixture.dimension();
    int k = mixture.weights().length;
    logWeights = new double[k];
    vars = new double[k];
    for (int i = 0; i < k; i++) {
      logWeights[i] = Math.log(mixture.weights()[i]);
      vars[i] = mixture.stds()[i] * mixture.stds()[i];
    }
  }

  /** @return the data distribution */
  public MixtureSpec mixture() {
    return mixture;
  }

  /** @return the forward process */
  public NoiseSchedule schedule() {
    return schedule;
  }

  @Override
  public int dimension() {
    return d;
  }

  /** @return both heads, eps2 and epsc, in closed form */
  @Override
  public Set<SecondHead> secondHeads() {
    return Set.of(SecondHead.EPS2, SecondHead.EPSC);
  }

  @Override
  public Prediction predict(float[] x, double[] time, int batch, Set<SecondHead> heads) {
    float[] eps = predictEps(x, time, batch);
    if (heads.isEmpty()) {
      return new Prediction(eps, Map.of());
    }
    float[] var = new float[batch * d]; // [B, d], Var(ε | x)
    Marginal q = new Marginal();
    double[] r = new double[vars.length];
    for (int b = 0; b < batch; b++) {
      q.at(time[b]);
      if (q.betaBar <= 0.0) {
        continue; // n = 0: ε is 0 and so is its variance
      }
      int off = b * d;
      q.responsibilities(x, off, r);
      double ab = q.sqrtAlphaBar * q.sqrtAlphaBar;
      for (int j = 0; j < d; j++) {
        double m1 = 0.0;
        double m2 = 0.0;
        for (int c = 0; c < r.length; c++) {
          double mu = mixture.means()[c][j];
          double m = mu + q.sqrtAlphaBar * vars[c] * q.invVar[c] * (x[off + j] - q.sqrtAlphaBar * mu);
          m1 += r[c] * m;
          m2 += r[c] * (vars[c] * q.betaBar * q.invVar[c] + m * m);
        }
        var[off + j] = (float) (ab / q.betaBar * Math.max(0.0, m2 - m1 * m1));
      }
    }
    Map<SecondHead, float[]> out = new EnumMap<>(SecondHead.class);
    if (heads.contains(SecondHead.EPSC)) {
      out.put(SecondHead.EPSC, var);
    }
    if (heads.contains(SecondHead.EPS2)) {
      float[] e2 = new float[var.length];
      for (int i = 0; i < e2.length; i++) {
        e2[i] = (float) (var[i] + (double) eps[i] * eps[i]);
      }
      out.put(SecondHead.EPS2, e2);
    }
    return new Prediction(eps, out);
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    float[] out = new float[batch * d];
    Marginal q = new Marginal();
    double[] r = new double[vars.length]; // responsibilities r_k(x)
    for (int b = 0; b < batch; b++) {
      if (b == 0 || time[b] != time[b - 1]) {
        q.at(time[b]); // rows usually share their time: compute its constants once
      }
      if (q.betaBar <= 0.0) {
        continue; // n = 0: x is x₀, ε = 0
      }
      int off = b * d;
      q.responsibilities(x, off, r);
      double sb = Math.sqrt(q.betaBar);
      for (int j = 0; j < d; j++) {
        double xj = x[off + j];
        double e = 0.0;
        for (int c = 0; c < r.length; c++) {
          e += r[c] * (xj - q.sqrtAlphaBar * mixture.means()[c][j]) * q.invVar[c];
        }
        out[off + j] = (float) (sb * e);
      }
    }
    return out;
  }

  /**
   * The exact log-density of the noised data, log q_n(x) in nats (n = 0: the data density).
   *
   * @param x a point, [d]
   * @param n step index in [0, N] (real)
   * @return log q_n(x)
   */
  public double logDensity(float[] x, double n) {
    Marginal q = new Marginal();
    q.at(n);
    return q.responsibilities(x, 0, new double[vars.length]);
  }

  /** The constants of q_n at one time: √ᾱ, β̄, 1/v_k and log(w_k N-normaliser). */
  private final class Marginal {
    double sqrtAlphaBar;
    double betaBar;
    final double[] invVar = new double[vars.length]; // 1/v_k, v_k = ᾱ s_k² + β̄
    final double[] logNorm = new double[vars.length]; // log w_k − (d/2) log(2π v_k)

    void at(double n) {
      double logA = schedule.logAlphaBarAt(n);
      double a = Math.exp(logA);
      sqrtAlphaBar = Math.sqrt(a);
      betaBar = -Math.expm1(logA);
      for (int c = 0; c < vars.length; c++) {
        double v = a * vars[c] + betaBar;
        invVar[c] = 1.0 / v;
        logNorm[c] = logWeights[c] - 0.5 * d * (LOG_2PI + Math.log(v));
      }
    }

    /** Fills r with the responsibilities r_k(x) (log-sum-exp); returns log q_n(x). */
    double responsibilities(float[] x, int off, double[] r) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < r.length; c++) {
        double[] mu = mixture.means()[c];
        double q = 0.0;
        for (int j = 0; j < d; j++) {
          double diff = x[off + j] - sqrtAlphaBar * mu[j];
          q += diff * diff;
        }
        r[c] = logNorm[c] - 0.5 * q * invVar[c];
        max = Math.max(max, r[c]);
      }
      if (r.length == 1) {
        double logQ = r[0];
        r[0] = 1.0;
        return logQ;
      }
      double sum = 0.0;
      for (int c = 0; c < r.length; c++) {
        r[c] = Math.exp(r[c] - max);
        sum += r[c];
      }
      for (int c = 0; c < r.length; c++) {
        r[c] /= sum;
      }
      return max + Math.log(sum);
    }
  }

  @Override
  public void close() {}

  /**
   * Draws one exact data sample x₀ ~ Σ w_k N(μ_k, s_k² I). It takes two draws of the stream: a
   * pair of normals whose angle atan2(z₂, z₁) is uniform on (−π, π] and picks the component, then
   * d normals for the component's noise.
   *
   * @param mixture the distribution
   * @param noise the sample's stream
   * @param out destination, [d]
   */
  public static void sampleData(MixtureSpec mixture, NoiseStream noise, float[] out) {
    float[] pair = new float[2];
    noise.nextGaussian(pair);
    double u = (Math.atan2(pair[1], pair[0]) + Math.PI) / (2.0 * Math.PI); // U[0, 1]
    double[] w = mixture.weights();
    int c = 0;
    double cum = w[0];
    while (c < w.length - 1 && u >= cum) {
      cum += w[++c];
    }
    noise.nextGaussian(out);
    double[] mu = mixture.means()[c];
    double s = mixture.stds()[c];
    for (int j = 0; j < out.length; j++) {
      out[j] = (float) (mu[j] + s * out[j]);
    }
  }

  /**
   * Draws n exact data samples, sample i from stream i of {@code new NoiseSource(seed)}.
   *
   * @param mixture the distribution
   * @param seed seed
   * @param n number of samples
   * @return [n][d]
   */
  public static float[][] sampleData(MixtureSpec mixture, long seed, int n) {
    NoiseSource src = new NoiseSource(seed);
    float[][] r = new float[n][mixture.dimension()];
    for (int i = 0; i < n; i++) {
      sampleData(mixture, src.stream(i), r[i]);
    }
    return r;
  }
}
