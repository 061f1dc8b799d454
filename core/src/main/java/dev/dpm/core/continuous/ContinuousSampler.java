package dev.dpm.core.continuous;

import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.sampler.AdaptiveSpec;
import dev.dpm.core.sampler.FixedStepSpec;
import dev.dpm.core.sampler.PredictorCorrectorSpec;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSpec;
import dev.dpm.core.sampler.SamplingProcess;

/**
 * A configured continuous-time sampler (made by {@link ContinuousSamplers#create}): the typed spec
 * ({@link PredictorCorrectorSpec}, {@link FixedStepSpec} or {@link AdaptiveSpec}), the SDE and, for the fixed-step kinds, the time grid 1 = t₀ &gt; … &gt; t_K = eps. It is
 * immutable and shared; each {@link #start} makes one process holding only its sample's state.
 *
 * <p>x_T is the stream's first draw times the prior standard deviation
 * ({@link VpSde#priorStd()}, 1); the SDE kinds then take one draw per predictor and per corrector
 * step, sde-dpm-solver-2m one per step and edm-heun one per churned step. The ODE kinds draw
 * nothing after x_T.
 */
public final class ContinuousSampler implements Sampler {
  private final SamplerSpec spec;
  private final SamplerSettings settings; // spec's flat view
  private final VpSde sde;
  private final int d;
  private final double[] grid; // [K+1] decreasing, or null for ode-rk45
  private final double[] gamma; // the model's Γ[0..N] (sde-pc step size), or null
  private final double[] churn; // [K] edm-heun's γ_i, or null

  ContinuousSampler(SamplerSpec spec, VpSde sde, int d, double[] gamma) {
    if (spec.kind() == null || !spec.kind().continuous()) {
      throw new IllegalArgumentException(spec + " is not a continuous-time sampler");
    }
    this.spec = spec;
    this.settings = spec.settings();
    this.sde = sde;
    this.d = d;
    this.gamma = gamma == null ? null : gamma.clone();
    if (spec instanceof AdaptiveSpec) {
      this.grid = null;
    } else if (settings.sigmas() != null) {
      this.grid = TimeGrid.of(settings.sigmas(), sde, settings.eps(), settings.steps());
    } else {
      this.grid = TimeGrid.of(settings.grid(), sde, settings.eps(), settings.steps());
    }
    this.churn = spec.kind() != SamplerKind.EDM_HEUN ? null
        : EdmHeun.gammas(sde, grid, settings.sChurn(), settings.sTmin(),
            settings.sTmax() == null ? Double.POSITIVE_INFINITY : settings.sTmax());
  }

  /** @return the typed spec the sampler was made from */
  public SamplerSpec spec() {
    return spec;
  }

  @Override
  public SamplerSettings settings() {
    return settings;
  }

  /** @return the SDE the sampler solves */
  public VpSde sde() {
    return sde;
  }

  /** @return a copy of the time grid t₀ = 1, …, t_K = eps, or null for the adaptive ode-rk45 */
  public double[] grid() {
    return grid == null ? null : grid.clone();
  }

  /** @return true for the ODE kinds and churn-free edm-heun (deterministic after x_T; can encode) */
  public boolean deterministic() {
    SamplerKind k = settings.kind();
    if (k == SamplerKind.EDM_HEUN) {
      return settings.sChurn() == 0;
    }
    return k != SamplerKind.SDE_EM && k != SamplerKind.SDE_PC && k != SamplerKind.SDE_DPM_SOLVER_2M;
  }

  @Override
  public SamplingProcess start(NoiseStream noise) {
    float[] z = new float[d];
    noise.nextGaussian(z); // x_T ~ N(0, σ_T² I), the stream's first draw
    double std = sde.priorStd();
    double[] x = new double[d];
    for (int j = 0; j < d; j++) {
      x[j] = std * z[j];
    }
    return process(noise, x, false);
  }

  @Override
  public SamplingProcess start(NoiseStream noise, float[] latent) {
    return process(noise, toDouble(latent), false);
  }

  /**
   * The same solver run from data x(eps) up to x(1), without the denoising step (used by
   * {@link Encoder}). Only for the deterministic kinds.
   *
   * @param x x(eps), [d]
   * @return the process; its sample is the latent x(1)
   */
  SamplingProcess encode(float[] x) {
    if (!deterministic()) {
      throw new IllegalStateException(settings.kind().wire() + " is stochastic and cannot encode");
    }
    return process(null, toDouble(x), true);
  }

  private double[] toDouble(float[] v) {
    if (v.length != d) {
      throw new IllegalArgumentException("expected " + d + " values, got " + v.length);
    }
    double[] x = new double[d];
    for (int j = 0; j < d; j++) {
      x[j] = v[j];
    }
    return x;
  }

  private SamplingProcess process(NoiseStream noise, double[] x, boolean up) {
    boolean denoise = !up && settings.denoise();
    double eps = settings.eps();
    double[] g = grid == null ? null : (up ? TimeGrid.reversed(grid) : grid);
    if (spec instanceof PredictorCorrectorSpec pc) {
      return new PredictorCorrector(sde, g, denoise, x, noise, pc.predictor(), pc.snr(), pc.correctorSteps(), gamma,
          PredictorCorrector.Norms.EXPECTED);
    }
    if (spec instanceof AdaptiveSpec a) {
      return up
          ? new OdeRk45(sde, eps, 1.0, a.rtol(), a.atol(), false, x)
          : new OdeRk45(sde, 1.0, eps, a.rtol(), a.atol(), denoise, x);
    }
    FixedStepSpec f = (FixedStepSpec) spec;
    return switch (f.kind()) {
      case SDE_EM -> new EulerMaruyama(sde, g, denoise, x, noise);
      case ODE_EULER -> new OdeEuler(sde, g, denoise, x);
      case ODE_HEUN -> new OdeHeun(sde, g, denoise, x);
      case DPM_SOLVER_2M -> new DpmSolver2M(sde, g, denoise, x);
      case EDM_HEUN -> new EdmHeun(sde, g, denoise, x, noise, up ? new double[churn.length] : churn, f.sNoise());
      case DPM_SOLVER_3M -> new DpmSolver3M(sde, g, denoise, x);
      case SDE_DPM_SOLVER_2M -> new SdeDpmSolver2M(sde, g, denoise, x, noise);
      case UNIPC -> new UniPc(sde, g, denoise, x, f.order());
      default -> throw new AssertionError(f.kind());
    };
  }

  @Override
  public String toString() {
    return "ContinuousSampler" + settings.toMap() + " on " + sde;
  }
}
