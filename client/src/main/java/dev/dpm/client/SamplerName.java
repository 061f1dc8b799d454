package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The samplers the server offers, by wire name. */
public enum SamplerName implements WireEnum {
  /** Ancestral DDPM with a fixed variance (posterior β̃ or forward β). */
  DDPM("ddpm"),
  /** DDPM with the Analytic-DPM optimal variance (needs Γ). */
  ANALYTIC_DDPM("analytic-ddpm"),
  /** DDIM with η. */
  DDIM("ddim"),
  /** DDIM with the Analytic-DPM optimal variance (needs Γ). */
  ANALYTIC_DDIM("analytic-ddim"),
  /** DDPM with the SN-DPM state-dependent variance (the model needs the eps2 head). */
  SN_DDPM("sn-ddpm"),
  /** DDPM with the NPR-DPM state-dependent variance (the model needs the epsc head). */
  NPR_DDPM("npr-ddpm"),
  /** DDIM with the SN-DPM state-dependent variance (eps2 head). */
  SN_DDIM("sn-ddim"),
  /** DDIM with the NPR-DPM state-dependent variance (epsc head). */
  NPR_DDIM("npr-ddim"),
  /** Reverse SDE, Euler–Maruyama. */
  SDE_EM("sde-em"),
  /** Reverse SDE, predictor–corrector. */
  SDE_PC("sde-pc"),
  /** Probability-flow ODE, Euler. */
  ODE_EULER("ode-euler"),
  /** Probability-flow ODE, Heun. */
  ODE_HEUN("ode-heun"),
  /** Probability-flow ODE, adaptive RK45. */
  ODE_RK45("ode-rk45"),
  /** DPM-Solver++(2M). */
  DPM_SOLVER_2M("dpm-solver-2m"),
  /** EDM Heun with stochastic churn (Karras et al. 2022, Alg. 2). */
  EDM_HEUN("edm-heun"),
  /** DPM-Solver++(3M). */
  DPM_SOLVER_3M("dpm-solver-3m"),
  /** SDE-DPM-Solver++(2M), midpoint, η = 1. */
  SDE_DPM_SOLVER_2M("sde-dpm-solver-2m"),
  /** UniPC (bh2), order 2 or 3. */
  UNIPC("unipc"),
  /** A value this SDK version does not know (sent by a newer server); never sent. */
  UNKNOWN("unknown");

  private final String wire;

  SamplerName(String wire) {
    this.wire = wire;
  }

  @JsonValue
  @Override
  public String wire() {
    return wire;
  }

  /**
   * Decodes a wire name leniently (JSON).
   *
   * @param wire the wire name
   * @return the constant, {@link #UNKNOWN} for a name this SDK does not know
   */
  @JsonCreator
  public static SamplerName fromWire(String wire) {
    return WireEnum.lenient(SamplerName.class, wire, UNKNOWN);
  }

  /**
   * Parses a wire name strictly (user input).
   *
   * @param wire the wire name
   * @return the constant
   * @throws IllegalArgumentException for an unknown name
   */
  public static SamplerName parse(String wire) {
    return WireEnum.parse(SamplerName.class, wire);
  }

  @Override
  public String toString() {
    return wire;
  }
}
