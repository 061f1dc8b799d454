package dev.dpm.core.sampler;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.noise.PreparedNoise;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ImperfectMeanCovariance;
import dev.dpm.core.variance.ReverseVariance;
import java.util.ArrayList;
import java.util.List;

/**
 * The discrete-time ancestral samplers of Analytic-DPM (reference §7): each step x_t → x_s on the
 * trajectory is one ε evaluation, then
 *
 * <pre>
 *   x̂₀ = clamp((x_t − √β̄_t ε)/√ᾱ_t)            (reference §1.1; clamp only for bounded data)
 *   s = 0:  x₀ = x̂₀                              (last step: mean only)
 *   s &gt; 0:  x_s = μ(x_t, x̂₀, ε) + σ_{s|t} z,  z ~ N(0, I)
 * </pre>
 *
 * with a DDPM-type or DDIM-type mean ({@link MeanForm}) and σ² from a {@link ReverseVariance},
 * the DDIM-type mean taking ε' = (x_t − √ᾱ_t x̂₀)/√β̄_t instead of ε at the coordinates where the clamp acted when
 * {@code clipped-eps} is on (GLIDE; diffusers' {@code use_clipped_model_output}; on by default for w &gt; 1),
 * clipped on the step into x_{τ₁} by the sampling-only σ₂ clip (reference §2.6) when
 * {@code clip-sigma2} is 1 or 2. The subclasses only choose the mean form and the variance.
 *
 * <p>With the SN-DPM / NPR-DPM variance ({@link ReverseVariance.Imperfect}) σ² is diagonal and
 * depends on x_t: each step with s &gt; 0 asks for the network's second head with ε
 * ({@link EvalRequest#head()}) and draws with σ²_j = λ² + c²_{s,t}·v_j, v_j the clipped
 * Cov[x₀ | x_t] estimate of {@link ImperfectMeanCovariance} (the σ₂ clip bounds every σ²_j, as the
 * official {@code clamp(0, threshold)} does). The last, mean-only step asks for ε alone.
 *
 * <p>The sampler is immutable and shared: every per-step constant is computed once here, and a
 * {@link SamplingProcess} holds only its sample's x (float32), x̂₀ and noise stream. x_T is the
 * stream's first draw; each step with σ &gt; 0 takes the next draw (steps with σ = 0, e.g. DDIM
 * with η = 0, draw nothing).
 */
public abstract sealed class DiscreteSampler implements Sampler
    permits Ddpm, AnalyticDdpm, Ddim, AnalyticDdim, ImperfectDdpm, ImperfectDdim {

  /** The two mean forms of the non-Markov forward family (Analytic-DPM §2.1, eq. 2). */
  enum MeanForm {
    /**
     * DDPM type (λ² = β̃_{s|t}): μ = β_{t|s}√ᾱ_s/β̄_t · x̂₀ + √α_{t|s}·β̄_s/β̄_t · x_t
     * (Ho et al. 2020 eq. 7 on the skip step; reference §2.4).
     */
    DDPM,
    /**
     * DDIM type: μ = √ᾱ_s x̂₀ + √(β̄_s − λ²)·ε with the raw ε (Song et al. 2020a eq. 12;
     * reference §2.4, §4.5 pitfall 3).
     */
    DDIM
  }

  /**
   * The constants of one step x_t → x_s, in sampling order.
   *
   * @param from t
   * @param to s (0 on the last step)
   * @param sqrtAlphaBar √ᾱ_t
   * @param sqrtBetaBar √β̄_t
   * @param x0Coeff coefficient of x̂₀ in μ
   * @param restCoeff coefficient of x_t (DDPM type) or ε (DDIM type) in μ
   * @param lambda2 λ²_{s|t}
   * @param sigma2 σ² used (after the σ₂ clip; 0 on the last step; λ² when state-dependent)
   * @param sigma √σ²
   * @param head the SN/NPR estimator when σ² is state-dependent on this step, else null
   * @param covScale β̄_t/ᾱ_t (state-dependent steps)
   * @param coeff2 c²_{s,t} (state-dependent steps)
   * @param sigma2Max upper bound of σ²_j: the σ₂ clip, or +∞
   */
  private record Rule(int from, int to, double sqrtAlphaBar, double sqrtBetaBar, double x0Coeff,
      double restCoeff, double lambda2, double sigma2, double sigma, ImperfectMeanCovariance.Head head,
      double covScale, double coeff2, double sigma2Max) {
    /** @return true when the step draws noise */
    boolean noisy() {
      return to > 0 && (sigma > 0 || head != null);
    }
  }

  private final SamplerSettings settings;
  private final ModelContext model;
  private final Trajectory trajectory;
  private final ReverseVariance variance;
  private final MeanForm meanForm;
  private final Rule[] rules; // [K], sampling order
  private final boolean clippedEps; // DDIM type: ε' = (x_t − √ᾱ_t x̂₀)/√β̄_t where x̂₀ was clamped

  DiscreteSampler(SamplerSettings settings, ModelContext model, Trajectory trajectory,
      ReverseVariance variance, MeanForm meanForm) {
    this.settings = settings;
    this.model = model;
    this.trajectory = trajectory;
    this.variance = variance;
    this.meanForm = meanForm;
    this.clippedEps = meanForm == MeanForm.DDIM && Boolean.TRUE.equals(settings.clippedEps());
    NoiseSchedule sched = model.schedule();
    int clip = settings.clipSigma2() == null ? 0 : settings.clipSigma2();
    List<Trajectory.Step> steps = trajectory.steps();
    rules = new Rule[steps.size()];
    for (int i = 0; i < rules.length; i++) {
      int t = steps.get(i).from();
      int s = steps.get(i).to();
      double lam2 = variance.lambda2(sched, s, t);
      double x0Coeff;
      double restCoeff;
      if (meanForm == MeanForm.DDPM) {
        x0Coeff = sched.skipBeta(s, t) * Math.sqrt(sched.alphaBar(s)) / sched.betaBar(t);
        restCoeff = Math.sqrt(sched.skipAlpha(s, t)) * sched.betaBar(s) / sched.betaBar(t);
      } else {
        x0Coeff = Math.sqrt(sched.alphaBar(s));
        restCoeff = Math.sqrt(sched.betaBar(s) - lam2);
      }
      ImperfectMeanCovariance.Head head = variance instanceof ReverseVariance.Imperfect m && s > 0 ? m.head() : null;
      double sigma2 = s == 0 ? 0.0 : head != null ? lam2 : variance.sigma2(sched, s, t);
      double sigma2Max = Double.POSITIVE_INFINITY;
      if (s > 0 && s == trajectory.tau(1) && clip > 0) {
        sigma2Max = ReverseVariance.sigma2ClipBound(clip); // reference §2.6
        sigma2 = Math.min(sigma2, sigma2Max);
      }
      double c = ReverseVariance.analyticCoefficient(sched, s, t, lam2);
      rules[i] = new Rule(t, s, Math.sqrt(sched.alphaBar(t)), Math.sqrt(sched.betaBar(t)),
          x0Coeff, restCoeff, lam2, sigma2, Math.sqrt(sigma2), head,
          sched.betaBar(t) / sched.alphaBar(t), c * c, sigma2Max);
    }
  }

  @Override
  public SamplerSettings settings() {
    return settings;
  }

  /** @return the timesteps visited, ascending */
  public Trajectory trajectory() {
    return trajectory;
  }

  /** @return the reverse variance rule */
  public ReverseVariance variance() {
    return variance;
  }

  /**
   * The steps as they will run, for {@code ./dpm plan}: in sampling order, with λ², the σ² the
   * sampler actually uses (σ₂ clip applied when on; 0 on the last, mean-only step; for SN/NPR its
   * state-independent part λ², the per-dimension c²·v_j comes at run time) and Γ^eps_t (null when
   * the model has no Γ).
   *
   * @return K steps
   */
  public List<PlanStep> plan() {
    double[] gamma = model.gamma();
    List<PlanStep> r = new ArrayList<>(rules.length);
    for (Rule u : rules) {
      r.add(new PlanStep(u.from(), u.to(), u.lambda2(), u.sigma2(),
          gamma == null ? null : gamma[u.from()]));
    }
    return List.copyOf(r);
  }

  @Override
  public SamplingProcess start(NoiseStream noise) {
    float[] x = new float[model.dimension()];
    noise.nextGaussian(x); // x_T ~ N(0, I), the stream's first draw
    return new Process(noise, x);
  }

  @Override
  public SamplingProcess start(NoiseStream noise, float[] latent) {
    if (latent.length != model.dimension()) {
      throw new IllegalArgumentException(
          "latent has " + latent.length + " values, expected d = " + model.dimension());
    }
    return new Process(noise, latent.clone());
  }

  /**
   * One sample's state: x_t (float32, [d]), the latest x̂₀, its noise (drawn ahead while the
   * network evaluates when the engine asks, see {@link #prepare}) and step index.
   */
  private final class Process implements SamplingProcess {
    private final PreparedNoise noise;
    private final float[] x; // [d], x_t, then x_s
    private final float[] x0; // [d], latest x̂₀
    private int step;
    private boolean evaluated;

    Process(NoiseStream noise, float[] x) {
      this.noise = new PreparedNoise(noise, x.length);
      this.x = x;
      this.x0 = new float[x.length];
    }

    @Override
    public EvalRequest pending() {
      if (isDone()) {
        throw new IllegalStateException("the sample is finished");
      }
      Rule r = rules[step];
      return new EvalRequest(x, r.from(), r.head() == null ? null : r.head().output());
    }

    @Override
    public void prepare() {
      if (!isDone() && rules[step].noisy()) {
        noise.prepare(); // the draw accept() takes on this step
      }
    }

    @Override
    public void accept(float[] eps) {
      accept(eps, 0);
    }

    @Override
    public void accept(float[] eps, int off) {
      accept(eps, null, off);
    }

    @Override
    public void accept(float[] eps, float[] head, int off) {
      if (isDone()) {
        throw new IllegalStateException("the sample is finished");
      }
      Rule r = rules[step];
      if (r.head() != null) {
        if (head == null) {
          throw new IllegalStateException("step " + step + " needs the " + r.head().output().wire() + " head with ε");
        }
        stepWithHead(r, eps, head, off);
        return;
      }
      DataRange range = model.dataRange();
      boolean clamp = range.bounded();
      double lo = range.low();
      double hi = range.high();
      double sb = r.sqrtBetaBar();
      double sa = r.sqrtAlphaBar();
      int d = x.length;
      evaluated = true;
      if (r.to() == 0) { // last step: x₀ = x̂₀, no noise
        for (int j = 0; j < d; j++) { // x̂₀ = (x_t − √β̄_t ε)/√ᾱ_t, clamped for bounded data
          double v = (x[j] - sb * eps[off + j]) / sa;
          float f = (float) (clamp ? (v < lo ? lo : (v > hi ? hi : v)) : v);
          x0[j] = f;
          x[j] = f;
        }
      } else {
        double sigma = r.sigma();
        float[] z = sigma > 0 ? noise.next() : null;
        double c0 = r.x0Coeff();
        double c1 = r.restCoeff();
        boolean ddpm = meanForm == MeanForm.DDPM;
        for (int j = 0; j < d; j++) {
          double v = (x[j] - sb * eps[off + j]) / sa; // x̂₀, as above
          boolean clamped = clamp && (v < lo || v > hi);
          float f = (float) (clamped ? (v < lo ? lo : hi) : v);
          x0[j] = f;
          double e = clamped && clippedEps ? (x[j] - sa * f) / sb : eps[off + j]; // ε' = (x_t − √ᾱ_t x̂₀)/√β̄_t
          double mean = c0 * f + c1 * (ddpm ? x[j] : e); // μ = c₀x̂₀ + c₁(x_t | ε)
          x[j] = (float) (sigma > 0 ? mean + sigma * z[j] : mean); // x_s = μ + σ z
        }
      }
      step++;
    }

    /**
     * A step x_t → x_s (s &gt; 0) with the state-dependent σ²_j = min(λ² + c²·v_j, σ₂ bound),
     * v_j = clip((β̄_t/ᾱ_t)·h'_j, 0, ((b−a)/2)²) from ε and the second head h (SN: h'_j = h_j − ε_j²,
     * NPR: h'_j = h_j; {@link ImperfectMeanCovariance#covX0(ImperfectMeanCovariance.Head, double,
     * double, float, float)}).
     */
    private void stepWithHead(Rule r, float[] eps, float[] head, int off) {
      DataRange range = model.dataRange();
      double sb = r.sqrtBetaBar();
      double sa = r.sqrtAlphaBar();
      double maxVar = range.maxVariance();
      boolean ddpm = meanForm == MeanForm.DDPM;
      float[] z = noise.next();
      evaluated = true;
      for (int j = 0; j < x.length; j++) {
        double u = (x[j] - sb * eps[off + j]) / sa;
        float f = (float) range.clamp(u); // x̂₀
        x0[j] = f;
        boolean clamped = u < range.low() || u > range.high();
        double e = clippedEps && clamped ? (x[j] - sa * f) / sb : eps[off + j]; // ε' where clamped, as above
        double mean = r.x0Coeff() * f + r.restCoeff() * (ddpm ? x[j] : e);
        double v = ImperfectMeanCovariance.covX0(r.head(), r.covScale(), maxVar, eps[off + j], head[off + j]);
        double sigma2 = Math.min(r.lambda2() + r.coeff2() * v, r.sigma2Max());
        x[j] = (float) (mean + Math.sqrt(sigma2) * z[j]); // x_s = μ + σ_j z_j
      }
      step++;
    }

    @Override
    public boolean isDone() {
      return step == rules.length;
    }

    @Override
    public float[] sample() {
      if (!isDone()) {
        throw new IllegalStateException("the sample is not finished (step " + step + " of " + rules.length + ")");
      }
      return x;
    }

    @Override
    public int step() {
      return step;
    }

    @Override
    public int totalSteps() {
      return rules.length;
    }

    @Override
    public int nfe() {
      return step;
    }

    @Override
    public float[] denoised() {
      return evaluated ? x0.clone() : null;
    }
  }
}
