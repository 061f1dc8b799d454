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
 * otherwise. The analytic kinds need the model's Γ; {@code sn-ddpm}/{@code sn-ddim} need a model with the
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
    notApplicable(problems, kind, "snr", in.snr());
    notApplicable(problems, kind, "corrector-steps", in.correctorSteps());
    notApplicable(problems, kind, "predictor", in.predictor());
    notApplicable(problems, kind, "rtol", in.rtol());
    notApplicable(problems, kind, "atol", in.atol());
    notApplicable(problems, kind, "eps", in.eps());
    notApplicable(problems, kind, "grid", in.grid());
    notApplicable(problems, kind, "denoise", in.denoise());
    notApplicable(problems, kind, "sigmas", in.sigmas());
    notApplicable(problems, kind, "s-churn", in.sChurn());
    notApplicable(problems, kind, "s-tmin", in.sTmin());
    notApplicable(problems, kind, "s-tmax", in.sTmax());
    notApplicable(problems, kind, "s-noise", in.sNoise());
    notApplicable(problems, kind, "order", in.order());

    Double eta = in.eta();
    if (!ddimType) {
      if (eta != null) {
        problems.add(new Problem("eta", "applies only to ddim, analytic-ddim, sn-ddim and npr-ddim, not " + kind.wire()));
      }
    } else if (eta == null) {
      eta = 0.0;
    } else if (!(Double.isFinite(eta) && eta >= 0)) {
      problems.add(new Problem("eta", "must be a number >= 0, got " + eta));
    }

    SamplerSettings.VarianceKind variance = in.variance();
    if (kind == SamplerKind.DDPM) {
      variance = variance == null ? SamplerSettings.VarianceKind.POSTERIOR : variance;
    } else if (variance != null) {
      problems.add(new Problem("variance", "applies only to ddpm, not " + kind.wire()));
    }

    Integer clip = in.clipSigma2();
    if (clip == null) {
      clip = model.eightBit() ? 1 : 0;
    } else if (clip < 0 || clip > 2) {
      problems.add(new Problem("clip-sigma2", "must be 0 (off), 1 or 2, got " + clip));
    }

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
          : model.defaultTrajectory() != null ? model.defaultTrajectory() : TrajectoryKind.EVEN;
    }
    if (timesteps != null && trajectory != TrajectoryKind.EXPLICIT) {
      problems.add(new Problem("timesteps", "apply only to the explicit trajectory"));
    }
    if (trajectory == TrajectoryKind.EXPLICIT && timesteps == null) {
      problems.add(new Problem("timesteps", "the explicit trajectory needs its timesteps"));
    }
    if (trajectory == TrajectoryKind.OPTIMAL && model.gamma() == null && !missingGamma) {
      problems.add(new Problem("trajectory",
          "optimal needs the model's Γ moments, which are missing; run ./dpm calibrate for this model first"));
    }

    Integer steps = in.steps();
    if (trajectory == TrajectoryKind.EXPLICIT && timesteps != null) {
      if (steps == null) {
        steps = timesteps.length;
      } else if (steps != timesteps.length) {
        problems.add(new Problem("steps",
            "is " + steps + " but " + timesteps.length + " timesteps were given"));
      }
    }
    if (steps == null) {
      problems.add(new Problem("steps", "is required (the number of sampling steps K)"));
    } else if (steps < 2 || steps > n) {
      problems.add(new Problem("steps", "must be between 2 and N = " + n + ", got " + steps));
    }
    if (!problems.isEmpty()) {
      return new SamplerResult.Invalid(List.copyOf(problems));
    }

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
      Problem p = checkEta(sched, traj, eta);
      if (p != null) {
        return new SamplerResult.Invalid(List.of(p));
      }
    }

    SamplerSettings filled = in.toBuilder().optSteps(steps).optTrajectory(trajectory).optEta(eta)
        .optVariance(variance).optClipSigma2(clip).build();
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

  private static void notApplicable(List<Problem> problems, SamplerKind kind, String field, Object v) {
    if (v != null) {
      problems.add(new Problem(field, "does not apply to " + kind.wire()));
    }
  }
}
