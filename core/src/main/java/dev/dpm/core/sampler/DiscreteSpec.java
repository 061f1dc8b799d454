package dev.dpm.core.sampler;

import dev.dpm.core.sampler.SamplerSettings.VarianceKind;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parameters of a discrete sampler (ddpm, ddim, analytic-*, sn-*, npr-*), checked without the model: K ≥ 2,
 * the trajectory and its explicit timesteps, η ≥ 0 for the DDIM types only, the fixed variance for ddpm only, the
 * σ₂ clip y ∈ {0, 1, 2}. What needs the model (K ≤ N, Γ for optimal and the analytic kinds, the second heads, the
 * model's trajectory and 8-bit clip defaults) {@link DiscreteSamplers} checks and fills.
 *
 * @param kind a discrete sampler
 * @param steps K
 * @param trajectory timestep selection (null: explicit when timesteps are given, else even)
 * @param timesteps explicit ascending timesteps (trajectory explicit), else null
 * @param eta DDIM η (null: 0 for the DDIM types; must be null for the others)
 * @param variance fixed variance (null: posterior for ddpm; must be null for the others)
 * @param clipSigma2 y ∈ {0, 1, 2}
 * @param guidance classifier-free guidance w ≥ 0, or null
 * @param clippedEps DDIM types only: ε re-derived from the clamped x̂₀ (null: on when w &gt; 1, else off; must be
 *     null for the DDPM types)
 * @throws InvalidSpecException naming every bad field
 */
public record DiscreteSpec(SamplerKind kind, int steps, TrajectoryKind trajectory, int[] timesteps, Double eta,
    VarianceKind variance, int clipSigma2, Double guidance, Boolean clippedEps) implements SamplerSpec {

  /** Checks every field, fills η and the variance where they apply, copies the timesteps. */
  public DiscreteSpec {
    List<Problem> problems = new ArrayList<>();
    SamplerSpec.checkFamily(kind, Family.DISCRETE, problems);
    InvalidSpecException.throwIf(problems);
    checkParams(kind, eta, variance, clipSigma2, clippedEps, problems);
    if (trajectory == null) {
      trajectory = timesteps != null ? TrajectoryKind.EXPLICIT : TrajectoryKind.EVEN;
    }
    checkTrajectory(trajectory, timesteps, problems);
    checkSteps(steps, trajectory, timesteps, null, problems);
    SamplerSpec.checkGuidance(guidance, problems);
    InvalidSpecException.throwIf(problems);
    eta = kind.ddimType() ? SamplerParam.ETA.or(eta) : null;
    variance = kind == SamplerKind.DDPM ? SamplerParam.VARIANCE.or(variance) : null;
    timesteps = timesteps == null ? null : timesteps.clone();
    clippedEps = kind.ddimType() ? clippedEpsOr(clippedEps, guidance) : null;
  }

  /**
   * The DDIM-type default of {@code clipped-eps}: on for guided jobs with w &gt; 1, whose guided ε̃ overshoots the
   * data range (x̂₀ clamped) far more often than a plain ε does; off otherwise (the official Analytic-DPM form).
   *
   * @param asked the value asked for, or null
   * @param guidance w or null
   * @return TRUE when on, null when off (so an unguided job's echo is unchanged)
   */
  static Boolean clippedEpsOr(Boolean asked, Double guidance) {
    boolean on = asked != null ? asked : guidance != null && guidance > 1.0;
    return on ? Boolean.TRUE : asked == null ? null : Boolean.FALSE;
  }

  /** @return a copy of the explicit timesteps, or null */
  @Override
  public int[] timesteps() {
    return timesteps == null ? null : timesteps.clone();
  }

  @Override
  public SamplerSettings settings() {
    return SamplerSettings.builder(kind).optSteps(steps).optTrajectory(trajectory).optTimesteps(timesteps)
        .optEta(eta).optVariance(variance).optClipSigma2(clipSigma2).optGuidance(guidance).optClippedEps(clippedEps)
        .build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiscreteSpec d && settings().equals(d.settings());
  }

  @Override
  public int hashCode() {
    return settings().hashCode();
  }

  @Override
  public String toString() {
    return "DiscreteSpec" + settings().toMap() + (timesteps == null ? "" : Arrays.toString(timesteps));
  }

  /** η and clipped-eps for the DDIM types (η ≥ 0), the variance for ddpm, y ∈ {0, 1, 2}. */
  static void checkParams(SamplerKind kind, Double eta, VarianceKind variance, Integer clip, Boolean clippedEps,
      List<Problem> out) {
    if (!kind.ddimType() && clippedEps != null) {
      out.add(new Problem(SamplerParam.CLIPPED_EPS.wire(), "applies only to ddim, analytic-ddim, sn-ddim and npr-ddim,"
          + " not " + kind.wire() + " (its DDPM-type mean uses x̂₀ and x_t, not ε)"));
    }
    if (!kind.ddimType()) {
      if (eta != null) {
        out.add(new Problem(SamplerParam.ETA.wire(),
            "applies only to ddim, analytic-ddim, sn-ddim and npr-ddim, not " + kind.wire()));
      }
    } else if (eta != null && !(Double.isFinite(eta) && eta >= 0)) {
      out.add(new Problem(SamplerParam.ETA.wire(), "must be a number >= 0, got " + eta));
    }
    if (kind != SamplerKind.DDPM && variance != null) {
      out.add(new Problem(SamplerParam.VARIANCE.wire(), "applies only to ddpm, not " + kind.wire()));
    }
    if (clip != null && (clip < 0 || clip > 2)) {
      out.add(new Problem(SamplerParam.CLIP_SIGMA2.wire(), "must be 0 (off), 1 or 2, got " + clip));
    }
  }

  /** Timesteps with the explicit trajectory only, and the explicit trajectory with timesteps only. */
  static void checkTrajectory(TrajectoryKind trajectory, int[] timesteps, List<Problem> out) {
    if (timesteps != null && trajectory != TrajectoryKind.EXPLICIT) {
      out.add(new Problem(SamplerParam.TIMESTEPS.wire(), "apply only to the explicit trajectory"));
    }
    if (trajectory == TrajectoryKind.EXPLICIT && timesteps == null) {
      out.add(new Problem(SamplerParam.TIMESTEPS.wire(), "the explicit trajectory needs its timesteps"));
    }
  }

  /**
   * @param steps K as asked for, or null
   * @param trajectory the trajectory
   * @param timesteps explicit timesteps or null
   * @return K, the number of explicit timesteps when it was left out
   */
  static Integer steps(Integer steps, TrajectoryKind trajectory, int[] timesteps) {
    boolean implied = steps == null && trajectory == TrajectoryKind.EXPLICIT && timesteps != null;
    return implied ? Integer.valueOf(timesteps.length) : steps;
  }

  /** K given (or implied by the timesteps), equal to their number, 2 ≤ K ≤ N (N null: unknown, K ≥ 2). */
  static void checkSteps(Integer steps, TrajectoryKind trajectory, int[] timesteps, Integer n, List<Problem> out) {
    String field = SamplerParam.STEPS.wire();
    if (trajectory == TrajectoryKind.EXPLICIT && timesteps != null && steps != null && steps != timesteps.length) {
      out.add(new Problem(field, "is " + steps + " but " + timesteps.length + " timesteps were given"));
    }
    if (steps == null) {
      out.add(new Problem(field, "is required (the number of sampling steps K)"));
    } else if (n != null && (steps < 2 || steps > n)) {
      out.add(new Problem(field, "must be between 2 and N = " + n + ", got " + steps));
    } else if (n == null && steps < 2) {
      out.add(new Problem(field, "must be at least 2, got " + steps));
    }
  }
}
