package dev.dpm.core.sampler;

import dev.dpm.core.variance.ImperfectMeanCovariance;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Every sampler the core offers, with its wire name (CLI and HTTP). */
public enum SamplerKind {
  /** DDPM ancestral sampling (Ho et al. 2020), variance posterior β̃ or forward β. */
  DDPM("ddpm", false, false),
  /** DDPM-type step with the Analytic-DPM optimal variance (Bao et al. 2022, Thm 1). */
  ANALYTIC_DDPM("analytic-ddpm", true, false),
  /** DDIM (Song et al. 2020a, eq. 12) with η. */
  DDIM("ddim", false, false),
  /** DDIM-type step with the Analytic-DPM variance. */
  ANALYTIC_DDIM("analytic-ddim", true, false),
  /** DDPM-type step with the SN-DPM state-dependent diagonal variance (Bao et al. 2022b); eps2 head. */
  SN_DDPM("sn-ddpm", ImperfectMeanCovariance.Head.SN),
  /** DDPM-type step with the NPR-DPM state-dependent diagonal variance (Bao et al. 2022b); epsc head. */
  NPR_DDPM("npr-ddpm", ImperfectMeanCovariance.Head.NPR),
  /** DDIM-type step with the SN-DPM variance; eps2 head. */
  SN_DDIM("sn-ddim", ImperfectMeanCovariance.Head.SN),
  /** DDIM-type step with the NPR-DPM variance; epsc head. */
  NPR_DDIM("npr-ddim", ImperfectMeanCovariance.Head.NPR),
  /** Reverse-SDE Euler–Maruyama (score_sde). */
  SDE_EM("sde-em", false, true),
  /** Predictor–corrector (score_sde Alg. 2/3). */
  SDE_PC("sde-pc", false, true),
  /** Probability-flow ODE, Euler. */
  ODE_EULER("ode-euler", false, true),
  /** Probability-flow ODE, Heun (2nd order). */
  ODE_HEUN("ode-heun", false, true),
  /** Probability-flow ODE, adaptive Dormand–Prince RK45. */
  ODE_RK45("ode-rk45", false, true),
  /** DPM-Solver++(2M) (Lu et al. 2022b). */
  DPM_SOLVER_2M("dpm-solver-2m", false, true),
  /** EDM 2nd-order Heun with stochastic churn (Karras et al. 2022, Alg. 2). */
  EDM_HEUN("edm-heun", false, true),
  /** DPM-Solver++(3M), the deterministic third-order multistep solver (Lu et al. 2022b). */
  DPM_SOLVER_3M("dpm-solver-3m", false, true),
  /** SDE-DPM-Solver++(2M), midpoint, η = 1 (Lu et al. 2022b, Appendix; k-diffusion). */
  SDE_DPM_SOLVER_2M("sde-dpm-solver-2m", false, true),
  /** UniPC with B(h) = e^h − 1 (bh2), data prediction (Zhao et al. 2023). */
  UNIPC("unipc", false, true);

  private final String wire;
  private final boolean needsGamma;
  private final boolean continuous;
  private final ImperfectMeanCovariance.Head covariance;

  SamplerKind(String wire, boolean needsGamma, boolean continuous) {
    this.wire = wire;
    this.needsGamma = needsGamma;
    this.continuous = continuous;
    this.covariance = null;
  }

  SamplerKind(String wire, ImperfectMeanCovariance.Head covariance) {
    this.wire = wire;
    this.needsGamma = false;
    this.continuous = false;
    this.covariance = covariance;
  }

  /**
   * @return the SN/NPR estimator of the state-dependent covariance (the model needs its
   *     {@link ImperfectMeanCovariance.Head#output()} head), or null for the other kinds
   */
  public ImperfectMeanCovariance.Head covariance() {
    return covariance;
  }

  /** @return true for the DDIM-type discrete kinds (ddim, analytic-ddim, sn-ddim, npr-ddim), which take η */
  public boolean ddimType() {
    return this == DDIM || this == ANALYTIC_DDIM || this == SN_DDIM || this == NPR_DDIM;
  }

  /** @return the CLI/HTTP name */
  public String wire() {
    return wire;
  }

  /** @return true when the sampler needs the model's Γ moments */
  public boolean needsGamma() {
    return needsGamma;
  }

  /** @return true for the continuous-time SDE/ODE family */
  public boolean continuous() {
    return continuous;
  }

  /**
   * @param s a wire name
   * @return the kind
   * @throws IllegalArgumentException naming the valid names
   */
  public static SamplerKind parse(String s) {
    for (SamplerKind k : values()) {
      if (k.wire.equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown sampler '" + s + "' (one of " + names() + ")");
  }

  /** @return the wire names, comma separated */
  public static String names() {
    return Arrays.stream(values()).map(SamplerKind::wire).collect(Collectors.joining(", "));
  }
}
