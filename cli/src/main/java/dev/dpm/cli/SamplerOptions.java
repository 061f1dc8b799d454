package dev.dpm.cli;

import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerParam;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.GridKind;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import dev.dpm.core.sampler.SamplerSettings.PredictorKind;
import dev.dpm.core.sampler.SamplerSettings.VarianceKind;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The sampler flags, one {@code @Mixin} shared by {@code plan}, {@code sample}, {@code submit}, {@code encode} and
 * {@code nll}: one flag {@code --<wire name>} per {@link SamplerParam} (the table the API and the catalog read too;
 * {@code SamplerOptionsTest} checks that every parameter has its flag). A flag left out means "the sampler's
 * default".
 * {@code --sampler} is checked when the settings are built ({@link #settings()}), not by the parser,
 * so that {@code nll --method ode} can do without it.
 */
public final class SamplerOptions {
  @Spec
  CommandSpec self; // this mixin's options: settings() reads them by the table's wire names

  @Option(names = "--sampler", paramLabel = "NAME", converter = KindConverter.class,
      description = "Sampler (required, except for nll --method ode): ddpm, analytic-ddpm, ddim, analytic-ddim, sn-ddpm, npr-ddpm, sn-ddim, npr-ddim, sde-em, sde-pc, ode-euler, "
          + "ode-heun, ode-rk45, dpm-solver-2m, edm-heun, dpm-solver-3m, sde-dpm-solver-2m, unipc.")
  SamplerKind sampler;

  @Option(names = "--steps", paramLabel = "K", description = "Number of sampling steps K (2 <= K <= N).")
  Integer steps;

  @Option(names = "--trajectory", paramLabel = "even|quadratic|uniform|optimal|explicit|leading|trailing|linspace",
      converter = TrajectoryConverter.class,
      description = "Timesteps of a discrete sampler (default the model's timestep_spacing, else even;"
          + " optimal needs the model's Γ).")
  TrajectoryKind trajectory;

  @Option(names = "--timesteps", split = ",", paramLabel = "T1,T2,...",
      description = "Explicit ascending timesteps (implies --trajectory explicit).")
  int[] timesteps;

  @Option(names = "--eta", paramLabel = "E", description = "DDIM η >= 0 (ddim, analytic-ddim, sn-ddim, npr-ddim; default 0).")
  Double eta;

  @Option(names = "--variance", paramLabel = "posterior|forward", converter = VarianceConverter.class,
      description = "Fixed variance of ddpm: posterior β̃ (default) or forward β.")
  VarianceKind variance;

  @Option(names = "--clip-sigma2", paramLabel = "Y",
      description = "σ₂ clip of the step into x₁: 0 off, 1 or 2 pixel levels (default 1 for 8-bit image models, else 0).")
  Integer clipSigma2;

  @Option(names = "--snr", paramLabel = "R", description = "Langevin corrector signal-to-noise ratio (sde-pc).")
  Double snr;

  @Option(names = "--corrector-steps", paramLabel = "M", description = "Langevin corrector steps per step (sde-pc).")
  Integer correctorSteps;

  @Option(names = "--predictor", paramLabel = "reverse-diffusion|euler-maruyama",
      converter = PredictorConverter.class, description = "Predictor of sde-pc.")
  PredictorKind predictor;

  @Option(names = "--rtol", paramLabel = "R", description = "Relative tolerance of ode-rk45.")
  Double rtol;

  @Option(names = "--atol", paramLabel = "A", description = "Absolute tolerance of ode-rk45.")
  Double atol;

  @Option(names = "--eps", paramLabel = "E", description = "Final time of the continuous samplers, in (0, 0.1].")
  Double eps;

  @Option(names = "--grid", paramLabel = "uniform|logsnr|quadratic", converter = GridConverter.class,
      description = "Time grid of the continuous samplers.")
  GridKind grid;

  @Option(names = "--sigmas", paramLabel = "karras|uniform|logsnr", converter = SigmasConverter.class,
      description = "Noise-level grid of the continuous samplers instead of --grid (edm-heun: default karras, ρ = 7).")
  SigmasKind sigmas;

  @Option(names = "--s-churn", paramLabel = "S", description = "EDM S_churn >= 0 (edm-heun; default 0, no churn).")
  Double sChurn;

  @Option(names = "--s-tmin", paramLabel = "S", description = "Lowest σ/α that gets churn (edm-heun; default 0).")
  Double sTmin;

  @Option(names = "--s-tmax", paramLabel = "S", description = "Highest σ/α that gets churn (edm-heun; default none).")
  Double sTmax;

  @Option(names = "--s-noise", paramLabel = "S", description = "Scale of the churn noise (edm-heun; default 1).")
  Double sNoise;

  @Option(names = "--order", paramLabel = "P", description = "Solver order of unipc: 2 (default) or 3.")
  Integer order;

  @Option(names = "--guidance", paramLabel = "W",
      description = "Classifier-free guidance scale w (any sampler; needs --label on a class-conditional model): "
          + "eps = eps(x, null) + w (eps(x, c) - eps(x, null)); 1 = plain conditional, 0 = unconditional.")
  Double guidance;

  @Option(names = "--clipped-eps", negatable = true,
      description = "DDIM types: re-derive eps from the clamped x0 where the clamp acts (GLIDE; diffusers' "
          + "use_clipped_model_output); on by default when --guidance > 1 (--no-clipped-eps for the raw eps).")
  Boolean clippedEps;

  @Option(names = "--denoise", negatable = true,
      description = "Final denoising step of the continuous samplers (--no-denoise to skip).")
  Boolean denoise;

  /**
   * @return the settings as asked for (defaults still unset): every {@link SamplerParam} read from its flag
   * @throws UsageError when --sampler is missing
   */
  public SamplerSettings settings() {
    if (sampler == null) {
      throw new UsageError("Missing required option: '--sampler=NAME'");
    }
    SamplerSettings.Builder b = SamplerSettings.builder(sampler);
    for (SamplerParam p : SamplerParam.values()) {
      p.set(b, value(p));
    }
    return b.build();
  }

  /**
   * @param p a parameter
   * @return the value of its flag {@code --<wire name>} (typed as the table says), or null when it was left out
   */
  public Object value(SamplerParam p) {
    OptionSpec o = self.findOption("--" + p.wire());
    if (o == null) {
      throw new IllegalStateException("no flag --" + p.wire() + " for the sampler parameter " + p);
    }
    return o.getValue();
  }

  /**
   * Configures the sampler for a model.
   *
   * @param ctx the model's context
   * @param gammaNote why the model's Γ is not used although a file exists, or null
   * @return the sampler
   * @throws UsageError naming every problem, on one line
   */
  public Sampler create(ModelContext ctx, String gammaNote) {
    SamplerResult r = Samplers.create(settings(), ctx);
    if (r instanceof SamplerResult.Ok ok) {
      return ok.sampler();
    }
    List<Problem> problems = ((SamplerResult.Invalid) r).problems();
    String line = problems.stream().map(SamplerOptions::describe).collect(Collectors.joining("; "));
    if (gammaNote != null && ctx.gamma() == null) {
      line += " (" + gammaNote + ")";
    }
    throw new UsageError(line);
  }

  /**
   * Configures the sampler for a model from its manifest alone (no network loaded), so that bad
   * settings are reported before the engine starts.
   *
   * @param spec the manifest
   * @return the sampler
   * @throws UsageError naming every problem, on one line
   */
  public Sampler create(ModelSpec spec) {
    try {
      ModelContext ctx = ModelLoader.context(spec);
      SamplerResult r = Samplers.create(settings(), ctx);
      if (r instanceof SamplerResult.Ok ok) {
        return ok.sampler();
      }
      return create(ctx, ctx.gamma() == null ? ModelLoader.gammaNote(spec) : null);
    } catch (IOException e) {
      throw new UsageError(e.getMessage(), e);
    }
  }

  /**
   * Configures the sampler for labelled samples: the guided Γ grid of the model at w when the sampler uses Γ
   * ({@link dev.dpm.core.sampler.GuidedContexts}).
   *
   * @param spec the manifest (class-conditional)
   * @param label the samples' label (the first one when they differ)
   * @param oneLabel whether all samples have it
   * @return the sampler
   * @throws UsageError naming the problem
   */
  public Sampler create(ModelSpec spec, int label, boolean oneLabel) {
    try {
      ModelContext base = ModelLoader.context(spec);
      ModelContext ctx = dev.dpm.core.sampler.GuidedContexts.of(base,
          ModelLoader.guidedGamma(spec, base.schedule()), settings(), label, oneLabel);
      return create(ctx, ctx.gamma() == null ? ModelLoader.gammaNote(spec) : null);
    } catch (IOException e) {
      throw new UsageError(e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new UsageError("--guidance: " + e.getMessage() + " (./dpm calibrate --model " + spec.name()
          + " --guidance 0,1,2,3)", e);
    }
  }

  /**
   * @param p a problem naming a settings field
   * @return "--flag: message"
   */
  static String describe(Problem p) {
    String flag = switch (p.field()) {
      case "name", "sampler", "sampler.name" -> "--sampler";
      default -> "--" + p.field();
    };
    return flag + ": " + p.message();
  }

  /** Wire names of samplers. */
  static final class KindConverter implements ITypeConverter<SamplerKind> {
    @Override
    public SamplerKind convert(String value) {
      try {
        return SamplerKind.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Wire names of an enum, via {@link SamplerSettings#parseWire}. */
  abstract static class WireConverter<E extends Enum<E>> implements ITypeConverter<E> {
    private final Class<E> type;

    WireConverter(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String value) {
      try {
        return SamplerSettings.parseWire(type, value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** even, quadratic, uniform, optimal, explicit. */
  static final class TrajectoryConverter extends WireConverter<TrajectoryKind> {
    TrajectoryConverter() {
      super(TrajectoryKind.class);
    }
  }

  /** posterior, forward. */
  static final class VarianceConverter extends WireConverter<VarianceKind> {
    VarianceConverter() {
      super(VarianceKind.class);
    }
  }

  /** reverse-diffusion, euler-maruyama. */
  static final class PredictorConverter extends WireConverter<PredictorKind> {
    PredictorConverter() {
      super(PredictorKind.class);
    }
  }

  /** karras, uniform, logsnr. */
  static final class SigmasConverter extends WireConverter<SigmasKind> {
    SigmasConverter() {
      super(SigmasKind.class);
    }
  }

  /** uniform, logsnr, quadratic. */
  static final class GridConverter extends WireConverter<GridKind> {
    GridConverter() {
      super(GridKind.class);
    }
  }
}
