package dev.dpm.core.continuous;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplingProcess;
import java.util.ArrayList;
import java.util.List;

/**
 * The exact likelihood of the probability-flow ODE (Song et al. 2021 §4.3 and App. D.2; score_sde
 * {@code likelihood.py}; Chen et al. 2018 instantaneous change of variables): the ODE is run from
 * the data x(eps) up to x(1) with the state augmented by the log-density change,
 *
 * <pre>
 *   log p_eps(x(eps)) = log p_1(x(1)) + ∫_eps^1 ∇·F(x(t), t) dt,   p_1 = N(0, I).
 * </pre>
 *
 * <p><b>Integration.</b> As in {@link OdeRk45}, Dormand–Prince RK45 (rtol = atol = 1e-5 by
 * default, per sample) on the scaled state x̃ = x/α in u = log σ̃, where dx̃/du = σ̃ ε and the
 * divergence term becomes dΔ/du = σ(t)·tr(∂ε/∂x) (since ∇_x̃·(σ̃ε(αx̃)) = σ̃α tr J = σ tr J). The
 * change of variable x → x̃ adds d·log(α(1)/α(eps)):
 *
 * <pre>
 *   log p_eps(x) = log N(x(1); 0, I) + d log(α(1)/α(eps)) + Δ(1).
 * </pre>
 *
 * <p><b>Divergence.</b> By central finite-difference Jacobian–vector products through the network
 * (no autodiff needed): J v ≈ (ε(x + hv) − ε(x − hv))/(2h) at the float32 point x the network
 * sees. The trace is exact, Σ_j e_jᵀ J e_j, from d such products when d ≤ 16 (or {@code probes = 0});
 * otherwise the Hutchinson–Skilling estimate (1/P) Σ_p v_pᵀ J v_p with P Rademacher probes drawn
 * once per sample from its noise stream and held fixed over the solve (as score_sde does), which
 * is unbiased for the log-likelihood. Each derivative costs 1 + 2d (exact) or 1 + 2P evaluations.
 *
 * <p><b>Step h and its accuracy.</b> h = 2^round(log₂(c·max(1, rms(x)))), c = {@code fdScale}
 * (default 2⁻¹² ≈ 2.4e-4). A power of two keeps x ± hv exact in float32 for the usual magnitudes
 * of x, so the displacement is exactly 2hv. One product has two errors: truncation
 * (h²/6)·‖∂³ε‖ — zero for a linear ε (the Gaussian oracle), relative (h/ℓ)²/6 for ε varying on a
 * length scale ℓ (on the ring, ℓ is the width s²/distance ≈ 0.004 of the switch between two
 * components, which matters only for points between components) — and float32 rounding of ε,
 * u·|ε|/h with u = 6e-8 (2.5e-4·|ε| per coordinate at the default h). Measured with RK45 at
 * 1e-8 on 300 ring samples, worst per-sample |Δ log p| for c = 2⁻⁶, 2⁻⁸, 2⁻¹⁰, 2⁻¹², 2⁻¹⁴:
 * 0.24, 1.6e-2, 9.6e-4, 1.6e-4, 2.3e-4 nats (truncation-bound, then rounding-bound), all at a
 * point between components (log q = −6.9); at the default tolerances RK45 dominates (about 2e-3
 * nats). The Gaussian's per-sample log-density is reproduced to about 6e-4 nats and its mean NLL
 * to 1e-5 relative (see {@code OdeLikelihoodTest}).
 *
 * <p><b>Reported numbers.</b> Continuous data: nats/dim = −log p_eps(x)/d, and bits/dim =
 * nats/dim / ln 2. 8-bit data scaled to [a, b]: uniform dequantisation first (score_sde
 * {@code datasets.py}: y = (k + u)/256 on the 0..255 level k, u ~ U[0, 1), here mapped to [a, b]),
 * then bits/dim = −log p(y)/(d ln 2) + 8 − log₂(b − a), i.e. + 7 for [−1, 1] (score_sde
 * {@code offset = 7 − inverse_scaler(−1)}), a variational upper bound on the discrete code length.
 *
 * <p>A likelihood run is a {@link SamplingProcess} per sample (its {@link Process#sample()} is the
 * latent x(1)), so the {@link Driver} or the server's batch engine evaluate all samples' requests
 * together; rows are independent and each sample's result is bit-identical whatever its batch.
 */
public final class OdeLikelihood {
  /** Dimensions up to which the trace is computed exactly by default. */
  public static final int EXACT_TRACE_MAX_DIM = 16;
  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private static final double LN2 = Math.log(2);

  private final VpSde sde;
  private final ModelContext model;
  private final Settings settings;
  private final int probes; // 0 = exact trace

  /**
   * The likelihood settings.
   *
   * @param eps the data end of the ODE, in (0, 0.1] (score_sde likelihood eps 1e-5)
   * @param rtol RK45 relative tolerance &gt; 0
   * @param atol RK45 absolute tolerance &gt; 0
   * @param probes Hutchinson probes (≥ 1), 0 for the exact trace, null for exact when
   *     d ≤ {@value #EXACT_TRACE_MAX_DIM} and 1 probe otherwise
   * @param fdScale c in the finite-difference step h = 2^round(log₂(c·max(1, rms x))), in
   *     (0, 0.1]; 2⁻¹² by default
   */
  public record Settings(double eps, double rtol, double atol, Integer probes, double fdScale) {
    /** @return eps 1e-5, rtol = atol = 1e-5, probes automatic, fdScale 2⁻¹² */
    public static Settings defaults() {
      return new Settings(1e-5, 1e-5, 1e-5, null, 0x1p-12);
    }

    /** @param v eps @return a copy with it */
    public Settings withEps(double v) {
      return new Settings(v, rtol, atol, probes, fdScale);
    }

    /** @param r rtol @param a atol @return a copy with them */
    public Settings withTolerances(double r, double a) {
      return new Settings(eps, r, a, probes, fdScale);
    }

    /** @param v probes (null = automatic, 0 = exact trace) @return a copy with it */
    public Settings withProbes(Integer v) {
      return new Settings(eps, rtol, atol, v, fdScale);
    }

    /** @param v fdScale @return a copy with it */
    public Settings withFdScale(double v) {
      return new Settings(eps, rtol, atol, probes, v);
    }

    /**
     * @return every problem, each naming its CLI field ({@code eps}, {@code rtol}, {@code atol},
     *     {@code probes}); empty when valid
     */
    public List<Problem> problems() {
      List<Problem> r = new ArrayList<>();
      if (!(eps > 0 && eps <= 0.1)) {
        r.add(new Problem("eps", "must lie in (0, 0.1], got " + eps));
      }
      if (!(rtol > 0 && Double.isFinite(rtol))) {
        r.add(new Problem("rtol", "must be a number > 0, got " + rtol));
      }
      if (!(atol > 0 && Double.isFinite(atol))) {
        r.add(new Problem("atol", "must be a number > 0, got " + atol));
      }
      if (probes != null && probes < 0) {
        r.add(new Problem("probes", "must be at least 1 (or 0 for the exact trace), got " + probes));
      }
      if (!(fdScale > 0 && fdScale <= 0.1)) {
        r.add(new Problem("fd-scale", "must lie in (0, 0.1], got " + fdScale));
      }
      return r;
    }
  }

  /**
   * One sample's outcome.
   *
   * @param logDensity log p_eps(y) in nats, of the point y the ODE started from (the dequantised
   *     data for 8-bit models)
   * @param natsPerDim −log p_eps(y)/d
   * @param bitsPerDim for 8-bit data the dequantised code length with the 8 − log₂(b − a) offset;
   *     otherwise natsPerDim / ln 2
   * @param nfe network evaluations used
   * @param steps accepted RK45 steps
   * @param latent x(1), [d]
   */
  public record Result(double logDensity, double natsPerDim, double bitsPerDim, int nfe, int steps,
      float[] latent) {}

  /**
   * Over a data set.
   *
   * @param n samples
   * @param natsPerDim mean −log p/d
   * @param natsStdError its standard error (sample std/√n)
   * @param bitsPerDim mean bits/dim (see {@link Result#bitsPerDim})
   * @param bitsStdError its standard error
   * @param dequantized whether the data were 8-bit and dequantised
   * @param meanNfe mean network evaluations per sample
   * @param results per sample, in data order
   */
  public record Summary(int n, double natsPerDim, double natsStdError, double bitsPerDim,
      double bitsStdError, boolean dequantized, double meanNfe, List<Result> results) {}

  private OdeLikelihood(VpSde sde, ModelContext model, Settings settings) {
    this.sde = sde;
    this.model = model;
    this.settings = settings;
    Integer p = settings.probes();
    this.probes = p == null ? (model.dimension() <= EXACT_TRACE_MAX_DIM ? 0 : 1) : p;
  }

  /**
   * The likelihood on the VP-SDE matched to the model's schedule.
   *
   * @param settings settings (see {@link Settings#problems()})
   * @param model the model context (schedule, dimension, data range, 8-bit flag)
   * @return the likelihood
   * @throws IllegalArgumentException with the first problem, if invalid
   */
  public static OdeLikelihood create(Settings settings, ModelContext model) {
    return create(settings, model, VpSde.matched(model.schedule()));
  }

  /**
   * @param settings settings
   * @param model the model context
   * @param sde the SDE
   * @return the likelihood
   * @throws IllegalArgumentException with the first problem, if invalid
   */
  public static OdeLikelihood create(Settings settings, ModelContext model, VpSde sde) {
    List<Problem> problems = settings.problems();
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(problems.get(0).toString());
    }
    if (model.eightBit() && !model.dataRange().bounded()) {
      throw new IllegalArgumentException("8-bit data need a bounded data range");
    }
    return new OdeLikelihood(sde, model, settings);
  }

  /** @return the settings */
  public Settings settings() {
    return settings;
  }

  /** @return probes per derivative, 0 for the exact trace */
  public int probes() {
    return probes;
  }

  /**
   * Starts one sample. For 8-bit models the data are dequantised with the stream's first draw;
   * the probes (if any) are the next draws.
   *
   * @param data x, [d], in the model's data range (8-bit levels for 8-bit models)
   * @param noise the sample's stream
   * @return the process
   */
  public Process start(float[] data, NoiseStream noise) {
    int d = model.dimension();
    if (data.length != d) {
      throw new IllegalArgumentException("expected " + d + " values, got " + data.length);
    }
    double[] y = new double[d];
    if (model.eightBit()) {
      dequantize(data, model.dataRange(), noise, y);
    } else {
      for (int j = 0; j < d; j++) {
        y[j] = data[j];
      }
    }
    float[][] dirs = new float[probes][d];
    for (float[] v : dirs) {
      noise.nextRademacher(v);
    }
    return new Process(y, dirs);
  }

  /**
   * Runs the likelihood of every row (row i uses stream i of {@code new NoiseSource(seed)}).
   *
   * @param predictor the ε model
   * @param data [n][d]
   * @param seed the seed of dequantisation and probes
   * @param maxBatch the most samples per network evaluation
   * @return the summary
   */
  public Summary evaluate(NoisePredictor predictor, float[][] data, long seed, int maxBatch) {
    NoiseSource src = new NoiseSource(seed);
    List<Process> ps = new ArrayList<>(data.length);
    for (int i = 0; i < data.length; i++) {
      ps.add(start(data[i], src.stream(i)));
    }
    Driver.run(ps, predictor, maxBatch, null);
    List<Result> rs = new ArrayList<>(ps.size());
    for (Process p : ps) {
      rs.add(p.result());
    }
    return summarize(rs);
  }

  /**
   * Means and standard errors over finished samples (for callers that drive the processes
   * themselves, e.g. with a progress callback: {@code start} each row, {@link Driver#run}, then
   * {@link Process#result()}).
   *
   * @param rs the per-sample results, at least one
   * @return the summary
   */
  public Summary summarize(List<Result> rs) {
    int n = rs.size();
    double sn = 0;
    double sn2 = 0;
    double sb = 0;
    double sb2 = 0;
    double nfe = 0;
    for (Result r : rs) {
      sn += r.natsPerDim();
      sn2 += r.natsPerDim() * r.natsPerDim();
      sb += r.bitsPerDim();
      sb2 += r.bitsPerDim() * r.bitsPerDim();
      nfe += r.nfe();
    }
    double mn = sn / n;
    double mb = sb / n;
    double seN = n > 1 ? Math.sqrt(Math.max(0, (sn2 - n * mn * mn) / (n - 1)) / n) : Double.NaN;
    double seB = n > 1 ? Math.sqrt(Math.max(0, (sb2 - n * mb * mb) / (n - 1)) / n) : Double.NaN;
    return new Summary(n, mn, seN, mb, seB, model.eightBit(), nfe / n, List.copyOf(rs));
  }

  /**
   * Uniform dequantisation of 8-bit data in [a, b]: level k = round((x − a)/(b − a)·255),
   * y = a + (b − a)(k + u)/256 with u = Φ(z) ~ U(0, 1) from one Gaussian draw z.
   *
   * @param x data, [d]
   * @param range [a, b], bounded
   * @param noise the stream (one draw)
   * @param out y, [d]
   */
  static void dequantize(float[] x, DataRange range, NoiseStream noise, double[] out) {
    float[] z = new float[x.length];
    noise.nextGaussian(z);
    double a = range.low();
    double w = range.high() - range.low();
    for (int j = 0; j < x.length; j++) {
      double k = Math.rint((x[j] - a) / w * 255.0);
      k = Math.max(0, Math.min(255, k));
      double u = Math.min(normalCdf(z[j]), 1.0 - 1e-12);
      out[j] = a + w * (k + u) / 256.0;
    }
  }

  /** Φ(z) = ½ erfc(−z/√2) (erfc: Numerical Recipes' Chebyshev fit, relative error &lt; 1.2e-7). */
  static double normalCdf(double z) {
    return 0.5 * erfc(-z / Math.sqrt(2.0));
  }

  private static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1.0 / (1.0 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196
        + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398
        + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2.0 - r;
  }

  /**
   * One sample's likelihood solve: for every RK45 derivative it asks for ε(x, t), then ε(x ± hv)
   * for each probe (or basis vector), then hands [σ̃ε, σ·tr] to the integrator.
   */
  public final class Process implements SamplingProcess {
    private final int d;
    private final float[][] dirs; // [P][d] Rademacher probes, or empty for the exact trace
    private final int perturbations; // P or d
    private final DormandPrince solver; // on [x̃, Δ] in u = log σ̃
    private final double[] slope; // [d+1]
    private final double tStart;
    private float[] base; // [d], x at the current derivative (float32)
    private float[] baseEps; // [d]
    private float[] plusEps; // [d], ε(x + hv) of the current direction
    private double time; // t of the current derivative
    private double h;
    private double traceAcc;
    private int sub; // 0: base; 2k+1: +h along direction k; 2k+2: −h along direction k
    private float[] reqX;
    private float[] x0;
    private int nfe;
    private Result result;

    Process(double[] y, float[][] dirs) {
      this.d = y.length;
      this.dirs = dirs;
      this.perturbations = dirs.length == 0 ? d : dirs.length;
      this.tStart = settings.eps();
      double a = sde.alpha(tStart);
      double[] y0 = new double[d + 1];
      for (int j = 0; j < d; j++) {
        y0[j] = y[j] / a;
      }
      this.solver = new DormandPrince(y0, OdeRk45.logSigmaTilde(sde, tStart),
          OdeRk45.logSigmaTilde(sde, 1.0), settings.rtol(), settings.atol());
      this.slope = new double[d + 1];
      newDerivative();
    }

    private void newDerivative() {
      double u = solver.requestTime();
      time = sde.timeAtSigmaTilde(Math.exp(u));
      double a = sde.alpha(time);
      double[] y = solver.requestState();
      base = new float[d];
      double ss = 0;
      for (int j = 0; j < d; j++) {
        base[j] = (float) (a * y[j]);
        ss += (double) base[j] * base[j];
      }
      double scale = settings.fdScale() * Math.max(1.0, Math.sqrt(ss / d));
      h = Math.scalb(1.0, (int) Math.round(Math.log(scale) / LN2)); // a power of two
      traceAcc = 0;
      sub = 0;
      reqX = base;
    }

    /** Sets the request for sub-step {@code sub} ≥ 1: base ± h·direction. */
    private void perturb() {
      int k = (sub - 1) / 2;
      double sign = (sub % 2 == 1) ? 1.0 : -1.0;
      float[] p = base.clone();
      if (dirs.length == 0) {
        p[k] = (float) (base[k] + sign * h);
      } else {
        float[] v = dirs[k];
        for (int j = 0; j < d; j++) {
          p[j] = (float) (base[j] + sign * h * v[j]);
        }
      }
      reqX = p;
    }

    @Override
    public EvalRequest pending() {
      if (result != null) {
        throw new IllegalStateException("the likelihood is finished");
      }
      return new EvalRequest(reqX, sde.stepIndex(time));
    }

    @Override
    public void accept(float[] eps) {
      if (result != null) {
        throw new IllegalStateException("the likelihood is finished");
      }
      nfe++;
      if (sub == 0) {
        baseEps = eps;
        double a = sde.alpha(time);
        double s = sde.sigma(time);
        float[] p = new float[d];
        for (int j = 0; j < d; j++) {
          p[j] = (float) ((base[j] - s * eps[j]) / a);
        }
        x0 = p;
      } else if (sub % 2 == 1) {
        plusEps = eps;
      } else { // vᵀ(ε⁺ − ε⁻)/(2h)
        int k = (sub - 1) / 2;
        double acc = 0;
        if (dirs.length == 0) {
          acc = (double) plusEps[k] - eps[k];
        } else {
          float[] v = dirs[k];
          for (int j = 0; j < d; j++) {
            acc += v[j] * ((double) plusEps[j] - eps[j]);
          }
        }
        traceAcc += acc / (2 * h);
      }
      sub++;
      if (sub <= 2 * perturbations) {
        perturb();
        return;
      }
      double st = Math.exp(solver.requestTime()); // σ̃
      for (int j = 0; j < d; j++) {
        slope[j] = st * baseEps[j];
      }
      double trace = dirs.length == 0 ? traceAcc : traceAcc / dirs.length;
      slope[d] = sde.sigma(time) * trace;
      solver.derivative(slope);
      if (solver.done()) {
        finish();
      } else {
        newDerivative();
      }
    }

    private void finish() {
      double[] y = solver.state();
      double a1 = sde.alpha(1.0);
      float[] latent = new float[d];
      double q = 0;
      for (int j = 0; j < d; j++) {
        double x1 = a1 * y[j];
        latent[j] = (float) x1;
        q += x1 * x1;
      }
      double prior = -0.5 * q - 0.5 * d * LOG_2PI; // log N(x(1); 0, I)
      double logp = prior + d * Math.log(a1 / sde.alpha(tStart)) + y[d];
      double nats = -logp / d;
      double bits = nats / LN2;
      if (model.eightBit()) {
        DataRange r = model.dataRange();
        bits += 8.0 - Math.log(r.high() - r.low()) / LN2;
      }
      result = new Result(logp, nats, bits, nfe, solver.accepted(), latent);
    }

    /** @return the outcome (valid once {@link #isDone()}) */
    public Result result() {
      if (result == null) {
        throw new IllegalStateException("the likelihood is not finished");
      }
      return result;
    }

    @Override
    public boolean isDone() {
      return result != null;
    }

    @Override
    public float[] sample() {
      return result().latent();
    }

    @Override
    public int step() {
      return solver.accepted();
    }

    @Override
    public int totalSteps() {
      return solver.estimatedSteps();
    }

    @Override
    public int nfe() {
      return nfe;
    }

    @Override
    public float[] denoised() {
      return x0 == null ? null : x0.clone();
    }
  }
}
