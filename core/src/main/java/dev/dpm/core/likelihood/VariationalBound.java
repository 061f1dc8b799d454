package dev.dpm.core.likelihood;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.variance.ImperfectMeanCovariance;
import dev.dpm.core.variance.ReverseVariance;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.LongConsumer;

/**
 * The variational bound (negative ELBO) of a DDPM-type reverse process on a trajectory
 * 1 = τ₁ &lt; … &lt; τ_K, per data row x₀ (reference §2.9; DDPM eq. 5; Analytic-DPM §6.1 and
 * official {@code elbo.py}):
 *
 * <pre>
 *   L(x₀) = KL(q(x_{τ_K}|x₀) ‖ N(0, I))                                    prior
 *         + Σ_{k=2..K} KL(q(x_{τ_{k−1}}|x_{τ_k}, x₀) ‖ p(x_{τ_{k−1}}|x_{τ_k}))   Gaussian KLs
 *         − log p(x₀ | x_{τ₁})                                              decoder
 * </pre>
 *
 * q(x_s|x_t, x₀) is the DDPM posterior N(μ̃, β̃_{s|t} I) with
 * μ̃ = (√ᾱ_s β_{t|s}/β̄_t)·x₀ + (√α_{t|s} β̄_s/β̄_t)·x_t; p uses the same mean with x₀ replaced by
 * x̂₀ = (x_t − √β̄_t ε_θ(x_t, t))/√ᾱ_t clamped to the data range, and the variance σ²_{s|t} of the
 * method (no σ₂ clip). Each KL term is estimated with one fresh x_t ~ q(x_t | x₀) per row; the
 * decoder has mean clamp(x̂₀(x₁)) and variance β̃_{1|2} for every method. The result is divided by
 * d·ln 2 (bits/dim).
 *
 * <p>With the SN-DPM / NPR-DPM variance ({@link ReverseVariance.Imperfect}, DDPM type) p's covariance
 * is diagonal and state-dependent: each KL term evaluates ε and the network's second head at x_t and
 * uses σ²_j = β̃_{s|t} + c²_{s,t}·v_j(x_t) per dimension ({@link ImperfectMeanCovariance}),
 * KL = Σ_j ½(β̃/σ²_j − 1 + ln(σ²_j/β̃) + (μ̃_j − μ_θ,j)²/σ²_j), as the official {@code nelbo_dtdpm} with a
 * tensor {@code var_p}; the decoder term is unchanged.
 *
 * <p>The noise of row i for the term at τ_k is draw k − 1 of stream i of {@code new NoiseSource(seed)},
 * so the bound of a row depends neither on its batch-mates nor on the batch size, and two methods
 * evaluated with the same seed see the same x_t (paired comparisons).
 */
public final class VariationalBound {
  /** Floor of the decoder's bin probability, as in the reference code. */
  public static final double LOG_FLOOR = 1e-12;

  private VariationalBound() {}

  /**
   * @param rows data rows
   * @param k trajectory length K
   * @return the number of network evaluations (rows) the bound takes: one per row per timestep
   */
  public static long evaluations(int rows, int k) {
    return (long) rows * k;
  }

  /**
   * Evaluates the bound over a data set.
   *
   * @param model the ε predictor (rows are independent)
   * @param sched the model's schedule
   * @param data rows x₀; 8-bit levels for {@link Decoder#DISCRETISED_8BIT}
   * @param settings trajectory, variance, decoder, seed, batch size
   * @param progress receives the cumulative evaluations done after each batch, out of
   *     {@link #evaluations(int, int)} (may be null)
   * @return the bound with its standard error and per-term detail
   * @throws IllegalArgumentException if the data, model, schedule and settings do not fit together
   * @throws CancellationException if the thread is interrupted between batches
   */
  public static BoundResult evaluate(NoisePredictor model, NoiseSchedule sched, DataSet data,
      BoundSettings settings, LongConsumer progress) {
    int d = data.dimension();
    int rows = data.size();
    int[] tau = settings.trajectory().timesteps(); // [K], ascending
    int kLen = tau.length;
    DataRange range = data.range();
    ReverseVariance variance = settings.variance();
    boolean discrete = settings.decoder() == Decoder.DISCRETISED_8BIT;
    if (model.dimension() != d) {
      throw new IllegalArgumentException("data rows have " + d + " values, the model takes " + model.dimension());
    }
    if (tau[kLen - 1] > sched.steps()) {
      throw new IllegalArgumentException("trajectory ends at " + tau[kLen - 1] + " > N = " + sched.steps());
    }
    if (discrete && !(data.eightBit() && range.bounded())) {
      throw new IllegalArgumentException("the discretised decoder needs 8-bit data in a bounded range;"
          + " use the Gaussian decoder for continuous data");
    }
    if (variance instanceof ReverseVariance.Imperfect m && !model.secondHeads().contains(m.head().output())) {
      throw new IllegalArgumentException("the " + m.head() + " variance needs the model's " + m.head().output().wire()
          + " head; the model has " + model.secondHeads());
    }
    if (variance instanceof ReverseVariance.Analytic a && a.gamma().length != sched.steps() + 1) {
      throw new IllegalArgumentException("gamma has " + a.gamma().length + " entries, expected N+1 = "
          + (sched.steps() + 1));
    }

    // per-step constants, index k = 1..K−1 for the step τ_{k+1} → τ_k (0-based: k-th entry)
    double[] coefX0 = new double[kLen]; // √ᾱ_s β_{t|s}/β̄_t
    double[] varP = new double[kLen]; // σ²_{s|t}
    double[] klConst = new double[kLen]; // d·½(v_q/v_p − 1 + ln(v_p/v_q))
    ImperfectMeanCovariance.Head head =
        variance instanceof ReverseVariance.Imperfect m ? m.head() : null;
    double[] varQ = new double[kLen]; // β̃_{s|t}
    double[] coeff2 = new double[kLen]; // c²_{s,t} of the state-dependent σ²
    for (int k = 1; k < kLen; k++) {
      int s = tau[k - 1];
      int t = tau[k];
      double vq = sched.tildeBeta(s, t);
      varQ[k] = vq;
      coefX0[k] = Math.sqrt(sched.alphaBar(s)) * sched.skipBeta(s, t) / sched.betaBar(t);
      if (head != null) {
        coeff2[k] = coefX0[k] * coefX0[k]; // DDPM type: c = √ᾱ_s β_{t|s}/β̄_t
        continue;
      }
      double vp = variance.sigma2(sched, s, t);
      if (!(vp > 0 && Double.isFinite(vp))) {
        throw new IllegalArgumentException("reverse variance " + vp + " at step " + t + " -> " + s);
      }
      varP[k] = vp;
      klConst[k] = d * 0.5 * (vq / vp - 1.0 + Math.log(vp / vq));
    }
    double decVar = sched.tildeBeta(1, 2); // β̃_{1|2}, the decoder variance of every method
    double decStd = Math.sqrt(decVar);
    double halfBin = discrete ? (range.high() - range.low()) / 510.0 : 0; // 1/255 on [−1, 1]
    int top = tau[kLen - 1];
    double abTop = sched.alphaBar(top);
    double logBbTop = Math.log(sched.betaBar(top));

    NoiseSource noise = new NoiseSource(settings.seed());
    int batch = settings.batchSize();
    double[] perRow = new double[rows]; // nats
    double priorSum = 0;
    double decoderSum = 0;
    double[] klSum = new double[kLen];
    double[] klSumSq = new double[kLen];
    double[] x0 = new double[batch * d]; // [B, d] exact data values
    float[] x = new float[batch * d]; // [B, d] x_t as the network sees it
    double[] time = new double[batch];
    float[] eps = new float[d];
    long done = 0;
    for (int start = 0; start < rows; start += batch) {
      int b = Math.min(batch, rows - start);
      for (int r = 0; r < b; r++) {
        int i = start + r;
        double prior = 0; // KL(N(√ᾱ_T x₀, β̄_T) ‖ N(0, 1)) = ½(ᾱ_T(x₀² − 1) − ln β̄_T) per coordinate
        for (int j = 0; j < d; j++) {
          double v = data.value(i, j);
          x0[r * d + j] = v;
          prior += 0.5 * (abTop * (v * v - 1.0) - logBbTop);
        }
        perRow[i] += prior;
        priorSum += prior;
      }
      float[] xs = b == batch ? x : new float[b * d];
      double[] ts = b == batch ? time : new double[b];
      for (int k = kLen - 1; k >= 0; k--) {
        if (Thread.currentThread().isInterrupted()) {
          throw new CancellationException("bound evaluation interrupted");
        }
        int t = tau[k];
        double sa = Math.sqrt(sched.alphaBar(t));
        double sb = Math.sqrt(sched.betaBar(t));
        for (int r = 0; r < b; r++) {
          noise.gaussian(start + r, k, eps); // draw k of stream i (the term at τ_{k+1}, 0-based k)
          for (int j = 0; j < d; j++) {
            xs[r * d + j] = (float) (sa * x0[r * d + j] + sb * eps[j]); // x_t ~ q(x_t | x₀)
          }
          ts[r] = t;
        }
        float[] out; // ε_θ(x_t, t), [b, d]
        float[] second = null; // the SN/NPR head at x_t, [b, d]
        if (head != null && k > 0) {
          Prediction p = model.predict(xs, ts, b, Set.of(head.output()));
          out = p.eps();
          second = p.head(head.output());
        } else {
          out = model.predictEps(xs, ts, b);
        }
        for (int r = 0; r < b; r++) {
          int i = start + r;
          double term;
          if (k > 0 && second != null) {
            term = stateDependentKl(head, sched, tau[k], range, coefX0[k], varQ[k], coeff2[k],
                x0, xs, out, second, r * d, d, sa, sb);
            klSum[k] += term;
            klSumSq[k] += term * term;
          } else if (k > 0) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
              double x0hat = range.clamp((xs[r * d + j] - sb * out[r * d + j]) / sa);
              double diff = coefX0[k] * (x0[r * d + j] - x0hat); // μ̃ − μ_θ
              sq += diff * diff;
            }
            term = klConst[k] + 0.5 * sq / varP[k];
            klSum[k] += term;
            klSumSq[k] += term * term;
          } else {
            term = 0;
            for (int j = 0; j < d; j++) {
              double mean = range.clamp((xs[r * d + j] - sb * out[r * d + j]) / sa);
              double v = x0[r * d + j];
              if (discrete) {
                term -= discretisedLogLikelihood(v - mean, decStd, halfBin, data.level(i, j));
              } else {
                double z = (v - mean) / decStd;
                term += 0.5 * (Math.log(2 * Math.PI * decVar) + z * z);
              }
            }
            decoderSum += term;
          }
          perRow[i] += term;
        }
        done += b;
        if (progress != null) {
          progress.accept(done);
        }
      }
    }

    double toBits = 1.0 / (d * Math.log(2));
    double mean = 0;
    for (int i = 0; i < rows; i++) {
      perRow[i] *= toBits;
      mean += perRow[i];
    }
    mean /= rows;
    double ss = 0;
    for (int i = 0; i < rows; i++) {
      ss += (perRow[i] - mean) * (perRow[i] - mean);
    }
    double se = rows > 1 ? Math.sqrt(ss / (rows - 1) / rows) : Double.NaN;
    List<BoundResult.StepTerm> steps = new ArrayList<>(kLen - 1);
    double klTotal = 0;
    for (int k = kLen - 1; k >= 1; k--) {
      double m = klSum[k] / rows;
      double var = rows > 1 ? Math.max(0, (klSumSq[k] - rows * m * m) / (rows - 1)) : Double.NaN;
      steps.add(new BoundResult.StepTerm(tau[k], tau[k - 1], m * toBits, Math.sqrt(var / rows) * toBits));
      klTotal += m;
    }
    return new BoundResult(mean, se, rows, priorSum / rows * toBits, klTotal * toBits,
        decoderSum / rows * toBits, List.copyOf(steps), perRow);
  }

  /**
   * The KL term of one row with the diagonal σ²_j = β̃ + c²·v_j(x_t): Σ_j ½(β̃/σ²_j − 1 + ln(σ²_j/β̃)
   * + (coef·(x₀,j − x̂₀,j))²/σ²_j), in nats.
   */
  private static double stateDependentKl(ImperfectMeanCovariance.Head head, NoiseSchedule sched, int t,
      DataRange range, double coef, double vq, double c2, double[] x0, float[] xs, float[] eps,
      float[] second, int off, int d, double sa, double sb) {
    double scale = sched.betaBar(t) / sched.alphaBar(t);
    double max = range.maxVariance();
    double term = 0;
    for (int j = 0; j < d; j++) {
      double x0hat = range.clamp((xs[off + j] - sb * eps[off + j]) / sa);
      double diff = coef * (x0[off + j] - x0hat); // μ̃ − μ_θ
      double vp = vq + c2 * ImperfectMeanCovariance.covX0(head, scale, max, eps[off + j], second[off + j]);
      term += 0.5 * (vq / vp - 1.0 + Math.log(vp / vq) + diff * diff / vp);
    }
    return term;
  }

  /**
   * log P(x₀ ∈ bin) for one coordinate under N(mean, σ²), as in the reference code
   * ({@code discretized_gaussian_log_likelihood}): the bin is [x − h, x + h], open below for the
   * lowest level and above for the highest, Φ by its tanh approximation, log floored at 1e-12.
   *
   * @param centered x₀ − mean
   * @param std σ
   * @param halfBin h
   * @param level the data level 0..255
   * @return the log-probability (nats, ≤ 0)
   */
  public static double discretisedLogLikelihood(double centered, double std, double halfBin, int level) {
    double cdfPlus = approxStandardNormalCdf((centered + halfBin) / std);
    double cdfMin = approxStandardNormalCdf((centered - halfBin) / std);
    if (level <= 0) {
      return Math.log(Math.max(cdfPlus, LOG_FLOOR));
    }
    if (level >= 255) {
      return Math.log(Math.max(1.0 - cdfMin, LOG_FLOOR));
    }
    return Math.log(Math.max(cdfPlus - cdfMin, LOG_FLOOR));
  }

  /**
   * The tanh approximation of the standard normal CDF used by DDPM's code:
   * Φ(z) ≈ ½(1 + tanh(√(2/π)(z + 0.044715 z³))).
   *
   * @param z argument
   * @return the approximate Φ(z)
   */
  public static double approxStandardNormalCdf(double z) {
    return 0.5 * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (z + 0.044715 * z * z * z)));
  }

  /**
   * KL(N(μ_q, v_q) ‖ N(μ_p, v_p)) for one coordinate:
   * ½(v_q/v_p + (μ_q − μ_p)²/v_p + ln v_p − ln v_q − 1).
   *
   * @param meanQ μ_q
   * @param varQ v_q
   * @param meanP μ_p
   * @param varP v_p
   * @return the KL in nats (≥ 0)
   */
  public static double gaussianKl(double meanQ, double varQ, double meanP, double varP) {
    double dm = meanQ - meanP;
    return 0.5 * (varQ / varP + dm * dm / varP + Math.log(varP / varQ) - 1.0);
  }
}
