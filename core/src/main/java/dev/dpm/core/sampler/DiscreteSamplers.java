package dev.dpm.core.sampler;

import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The factory of the discrete samplers (the entry point for every kind is
 * {@code dev.dpm.core.catalog.Samplers}): validates settings against a model, fills defaults and returns a
 * ready {@link Sampler} or every problem found (each naming its field as the CLI flag does).
 *
 * <p>Discrete samplers ({@code ddpm}, {@code analytic-ddpm}, {@code ddim}, {@code analytic-ddim}):
 * {@code steps} K is required, 2 ≤ K ≤ N; {@code trajectory} defaults to the model's
 * ({@link ModelContext#defaultTrajectory()}, even when it names none; {@code explicit} when
 * {@code timesteps} are given; {@code optimal} needs Γ); {@code eta} defaults to 0 and
 * applies to the DDIM kinds only; {@code variance} defaults to posterior and applies to
 * {@code ddpm} only; {@code clip-sigma2} ∈ {0, 1, 2} defaults to 1 for 8-bit image models and 0
 * otherwise; {@code clipped-eps} applies to the DDIM-type kinds and defaults to on when {@code guidance} &gt; 1
 * ({@link DiscreteSpec#clippedEpsOr}). The analytic kinds need the model's Γ; {@code sn-ddpm}/{@code sn-ddim} need a model with the
 * {@code eps2} head and {@code npr-ddpm}/{@code npr-ddim} one with the {@code epsc} head
 * ({@link ModelContext#heads()}); {@code eta} applies to the DDIM-type kinds (ddim, analytic-ddim, sn-ddim,
 * npr-ddim).
 */
public final class DiscreteSamplers {
  private DiscreteSamplers() {}

  /**
   * @param in what was asked for (a discrete kind)
   * @param model what the sampler may know about the model
   * @return the sampler or the problems
   */
  public static SamplerResult create(SamplerSettings in, ModelContext model) {
    if (in.kind().continuous()) {
      throw new IllegalArgumentException(in.kind().wire() + " is not a discrete sampler");
    }
    return createDiscrete(in, model);
  }

  private static SamplerResult createDiscrete(SamplerSettings in, ModelContext model) {
    SamplerKind kind = in.kind();
    NoiseSchedule sched = model.schedule();
    int n = sched.steps();
    boolean ddimType = kind.ddimType();
    List<Problem> problems = new ArrayList<>();
    SamplerSpec.Family.DISCRETE.notApplicable(in, problems);
    DiscreteSpec.checkParams(kind, in.eta(), in.variance(), in.clipSigma2(), in.clippedEps(), problems);

    boolean missingGamma = kind.needsGamma() && model.gamma() == null;
    if (missingGamma) {
      problems.add(new Problem("name", kind.wire()
          + " needs the model's Γ moments, which are missing; run ./dpm calibrate for this model first"));
    }

    if (kind.covariance() != null && !model.heads().contains(kind.covariance().output())) {
      problems.add(new Problem("name", kind.wire() + " needs a network with the " + kind.covariance().output().wire()
          + " head (the manifest's outputs), which this model does not declare"));
    }

    int[] timesteps = in.timesteps();
    TrajectoryKind trajectory = in.trajectory();
    if (trajectory == null) {
      trajectory = timesteps != null ? TrajectoryKind.EXPLICIT
          : model.defaultTrajectory() != null ? model.defaultTrajectory() : SamplerParam.TRAJECTORY.or(null);
    }
    DiscreteSpec.checkTrajectory(trajectory, timesteps, problems);
    if (trajectory == TrajectoryKind.OPTIMAL && model.gamma() == null && !missingGamma) {
      problems.add(new Problem(SamplerParam.TRAJECTORY.wire(),
          "optimal needs the model's Γ moments, which are missing; run ./dpm calibrate for this model first"));
    }

    Integer steps = DiscreteSpec.steps(in.steps(), trajectory, timesteps);
    DiscreteSpec.checkSteps(steps, trajectory, timesteps, n, problems);
    SamplerSpec.checkGuidance(in.guidance(), problems);
    if (!problems.isEmpty()) {
      return new SamplerResult.Invalid(List.copyOf(problems));
    }
    int clip = in.clipSigma2() != null ? in.clipSigma2() : model.eightBit() ? 1 : SamplerParam.CLIP_SIGMA2.or(null);
    DiscreteSpec spec = new DiscreteSpec(kind, steps, trajectory, timesteps, in.eta(), in.variance(), clip,
        in.guidance(), in.clippedEps());

    Trajectory traj;
    try {
      traj = Trajectory.of(trajectory, sched, model.gamma(), steps, timesteps, model.stepsOffset());
    } catch (IllegalArgumentException e) {
      String field = switch (trajectory) {
        case EXPLICIT -> "timesteps";
        case QUADRATIC -> "steps";
        default -> "trajectory";
      };
      return new SamplerResult.Invalid(List.of(new Problem(field, e.getMessage())));
    }
    if (ddimType) {
      Problem p = checkEta(sched, traj, spec.eta());
      if (p != null) {
        return new SamplerResult.Invalid(List.of(p));
      }
    }

    SamplerSettings filled = spec.settings();
    Sampler sampler = switch (kind) {
      case DDPM -> new Ddpm(filled, model, traj);
      case ANALYTIC_DDPM -> new AnalyticDdpm(filled, model, traj);
      case DDIM -> new Ddim(filled, model, traj);
      case ANALYTIC_DDIM -> new AnalyticDdim(filled, model, traj);
      case SN_DDPM, NPR_DDPM -> new ImperfectDdpm(filled, model, traj, kind.covariance());
      case SN_DDIM, NPR_DDIM -> new ImperfectDdim(filled, model, traj, kind.covariance());
      default -> throw new AssertionError(kind); // continuous kinds return above
    };
    return new SamplerResult.Ok(sampler);
  }

  /** The DDIM mean needs λ² = η²β̃_{s|t} ≤ β̄_s, i.e. η ≤ √(β̄_t/β_{t|s}) on every step. */
  private static Problem checkEta(NoiseSchedule sched, Trajectory traj, double eta) {
    double max = Double.POSITIVE_INFINITY;
    for (Trajectory.Step st : traj.steps()) {
      if (st.to() > 0) {
        max = Math.min(max, Math.sqrt(sched.betaBar(st.from()) / sched.skipBeta(st.to(), st.from())));
      }
    }
    if (eta > max) {
      return new Problem("eta", "must be at most " + (float) max + " on this trajectory (λ² would exceed β̄_s), got " + eta);
    }
    return null;
  }
}
