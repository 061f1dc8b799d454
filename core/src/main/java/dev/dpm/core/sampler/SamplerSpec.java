package dev.dpm.core.sampler;

import static dev.dpm.core.sampler.SamplerParam.ATOL;
import static dev.dpm.core.sampler.SamplerParam.CLIPPED_EPS;
import static dev.dpm.core.sampler.SamplerParam.CLIP_SIGMA2;
import static dev.dpm.core.sampler.SamplerParam.CORRECTOR_STEPS;
import static dev.dpm.core.sampler.SamplerParam.DENOISE;
import static dev.dpm.core.sampler.SamplerParam.EPS;
import static dev.dpm.core.sampler.SamplerParam.ETA;
import static dev.dpm.core.sampler.SamplerParam.GRID;
import static dev.dpm.core.sampler.SamplerParam.GUIDANCE;
import static dev.dpm.core.sampler.SamplerParam.ORDER;
import static dev.dpm.core.sampler.SamplerParam.PREDICTOR;
import static dev.dpm.core.sampler.SamplerParam.RTOL;
import static dev.dpm.core.sampler.SamplerParam.SIGMAS;
import static dev.dpm.core.sampler.SamplerParam.SNR;
import static dev.dpm.core.sampler.SamplerParam.STEPS;
import static dev.dpm.core.sampler.SamplerParam.S_CHURN;
import static dev.dpm.core.sampler.SamplerParam.S_NOISE;
import static dev.dpm.core.sampler.SamplerParam.S_TMAX;
import static dev.dpm.core.sampler.SamplerParam.S_TMIN;
import static dev.dpm.core.sampler.SamplerParam.TIMESTEPS;
import static dev.dpm.core.sampler.SamplerParam.TRAJECTORY;
import static dev.dpm.core.sampler.SamplerParam.VARIANCE;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A sampler's parameters, validated and with every default filled: one record per family, each checking its values
 * in its own constructor (an {@link InvalidSpecException} names every bad field). The factories
 * ({@code dev.dpm.core.catalog.Samplers#create}) make one from the flat {@link SamplerSettings} a request carries,
 * adding what only the model can tell (N, Γ, the second heads, the 8-bit default of clip-sigma2).
 */
public sealed interface SamplerSpec permits DiscreteSpec, PredictorCorrectorSpec, FixedStepSpec, AdaptiveSpec {
  /** The largest step count of the continuous samplers. */
  int MAX_CONTINUOUS_STEPS = 100_000;

  /** @return the sampler */
  SamplerKind kind();

  /** @return the classifier-free guidance scale w, or null (no guidance); every family takes it */
  Double guidance();

  /** @return the flat view, every default filled (what {@link Sampler#settings()} returns and a job echoes) */
  SamplerSettings settings();

  /** The families of samplers and the parameters each takes. */
  enum Family {
    /** ddpm, ddim, analytic-*, sn-*, npr-*: {@link DiscreteSpec}. */
    DISCRETE(EnumSet.of(STEPS, TRAJECTORY, TIMESTEPS, ETA, VARIANCE, CLIP_SIGMA2, GUIDANCE, CLIPPED_EPS)),
    /** sde-pc: {@link PredictorCorrectorSpec}. */
    PREDICTOR_CORRECTOR(EnumSet.of(STEPS, EPS, GRID, DENOISE, SIGMAS, SNR, CORRECTOR_STEPS, PREDICTOR, GUIDANCE)),
    /** sde-em, ode-euler, ode-heun, dpm-solver-*, sde-dpm-solver-2m, edm-heun, unipc: {@link FixedStepSpec}. */
    FIXED_STEP(EnumSet.of(STEPS, EPS, GRID, DENOISE, SIGMAS, S_CHURN, S_TMIN, S_TMAX, S_NOISE, ORDER, GUIDANCE)),
    /** ode-rk45: {@link AdaptiveSpec}. */
    ADAPTIVE(EnumSet.of(EPS, DENOISE, RTOL, ATOL, GUIDANCE));

    private final Set<SamplerParam> params;

    Family(Set<SamplerParam> params) {
      this.params = params;
    }

    /**
     * @return the parameters of the family; within it some apply to one kind only (eta to the DDIM types, variance
     *     to ddpm, order to unipc, the churn to edm-heun), which its record checks
     */
    public Set<SamplerParam> params() {
      return EnumSet.copyOf(params);
    }

    /**
     * @param kind a sampler
     * @return its family
     */
    public static Family of(SamplerKind kind) {
      if (!kind.continuous()) {
        return DISCRETE;
      }
      return switch (kind) {
        case SDE_PC -> PREDICTOR_CORRECTOR;
        case ODE_RK45 -> ADAPTIVE;
        default -> FIXED_STEP;
      };
    }

    /**
     * Adds a problem for every parameter set in {@code in} that this family does not take, in table order (steps
     * last).
     *
     * @param in what was asked for
     * @param out where problems are added
     */
    public void notApplicable(SamplerSettings in, List<Problem> out) {
      String name = in.kind().wire();
      for (SamplerParam p : SamplerParam.values()) {
        if (!params.contains(p) && p != STEPS && p.get(in) != null) {
          out.add(new Problem(p.wire(), "does not apply to " + name));
        }
      }
      if (!params.contains(STEPS) && in.steps() != null) { // ode-rk45, last as it always was
        out.add(new Problem(STEPS.wire(),
            "does not apply to ode-rk45, which chooses its steps adaptively (set rtol/atol instead)"));
      }
    }
  }

  /**
   * The check every family shares.
   *
   * @param w the guidance scale or null
   * @param out where a problem is added
   */
  static void checkGuidance(Double w, List<Problem> out) {
    if (w != null && !(w >= 0 && Double.isFinite(w))) {
      out.add(new Problem(GUIDANCE.wire(), "must be a finite number >= 0, got " + w));
    }
  }

  /**
   * A parameter that applies to some kinds of a family only.
   *
   * @param applies whether it applies to this kind
   * @param p the parameter
   * @param value its value or null
   * @param kind the sampler
   * @param out where a problem is added
   */
  static void onlyFor(boolean applies, SamplerParam p, Object value, SamplerKind kind, List<Problem> out) {
    if (!applies && value != null) {
      out.add(new Problem(p.wire(), "does not apply to " + kind.wire()));
    }
  }

  /**
   * @param kind a sampler
   * @param family the family a record holds
   * @param out where a problem is added when the sampler is of another family
   */
  static void checkFamily(SamplerKind kind, Family family, List<Problem> out) {
    if (kind == null || Family.of(kind) != family) {
      out.add(new Problem("name", (kind == null ? "null" : kind.wire()) + " is not a "
          + family.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " sampler"));
    }
  }

  /**
   * K of a continuous sampler: given, 1 ≤ K ≤ {@link #MAX_CONTINUOUS_STEPS}.
   *
   * @param kind the sampler
   * @param steps K or null
   * @param out where a problem is added
   */
  static void checkContinuousSteps(SamplerKind kind, Integer steps, List<Problem> out) {
    if (steps == null) {
      out.add(new Problem(STEPS.wire(), "is required for " + kind.wire() + " (the number of steps K)"));
    } else if (steps < 1 || steps > MAX_CONTINUOUS_STEPS) {
      out.add(new Problem(STEPS.wire(), "must be between 1 and " + MAX_CONTINUOUS_STEPS + ", got " + steps));
    }
  }

  /**
   * The final time of a continuous sampler, in (0, 0.1].
   *
   * @param eps the value or null (the default)
   * @param out where a problem is added
   */
  static void checkEps(Double eps, List<Problem> out) {
    double e = EPS.or(eps);
    if (!(e > 0 && e <= 0.1)) {
      out.add(new Problem(EPS.wire(), "must lie in (0, 0.1], got " + e));
    }
  }

  /**
   * A time grid or a noise-level grid, not both.
   *
   * @param in what was asked for
   * @param out where a problem is added
   */
  static void checkOneGrid(SamplerSettings in, List<Problem> out) {
    if (in.grid() != null && in.sigmas() != null) {
      out.add(new Problem(SIGMAS.wire(), "set grid or sigmas, not both"));
    }
  }
}
