package dev.dpm.cli;

import dev.dpm.client.DpmClient;
import dev.dpm.client.DpmException;
import dev.dpm.client.DpmJson;
import dev.dpm.client.Job;
import dev.dpm.client.JobRequest;
import dev.dpm.client.JobStatus;
import dev.dpm.client.OutputFormat;
import dev.dpm.client.SamplerName;
import dev.dpm.client.SamplerParams;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ./dpm submit}: submits a sampling job to a running server (through the Java SDK) and prints
 * it as JSON on stdout; with {@code --wait}, waits for it and prints the finished job. The sampler
 * flags are the same as {@code ./dpm sample}'s; left-out ones take the sampler's defaults.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Submit a sampling job to a DPM server; print the job as JSON.")
public final class SubmitCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  RemoteOptions remote;

  @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name (see GET /v1/models).")
  String model;

  @Option(names = "--sampler", required = true, paramLabel = "NAME", converter = SamplerNameConverter.class,
      description = "Sampler: ddpm, analytic-ddpm, ddim, analytic-ddim, sn-ddpm, npr-ddpm, sn-ddim, npr-ddim, sde-em, sde-pc, ode-euler, ode-heun, "
          + "ode-rk45, dpm-solver-2m, edm-heun, dpm-solver-3m, sde-dpm-solver-2m, unipc.")
  SamplerName sampler;

  @Option(names = "--steps", paramLabel = "K", description = "Number of sampling steps K (K ≤ N).")
  Integer steps;

  @Option(names = "--trajectory", paramLabel = "even|quadratic|uniform|optimal|explicit|leading|trailing|linspace",
      converter = TrajectoryConverter.class, description = "Timesteps of a discrete sampler (default even).")
  SamplerParams.Trajectory trajectory;

  @Option(names = "--timesteps", split = ",", paramLabel = "T1,T2,...",
      description = "Explicit ascending timesteps (implies --trajectory explicit).")
  List<Integer> timesteps;

  @Option(names = "--eta", paramLabel = "E", description = "DDIM η ≥ 0 (default 0).")
  Double eta;

  @Option(names = "--variance", paramLabel = "posterior|forward", converter = VarianceConverter.class,
      description = "Fixed variance of ddpm (default posterior).")
  SamplerParams.Variance variance;

  @Option(names = "--clip-sigma2", paramLabel = "Y", description = "σ₂ clip of the step into x₁: 0, 1 or 2.")
  Integer clipSigma2;

  @Option(names = "--snr", paramLabel = "R", description = "Langevin corrector signal-to-noise ratio (sde-pc).")
  Double snr;

  @Option(names = "--corrector-steps", paramLabel = "M", description = "Corrector steps per step (sde-pc).")
  Integer correctorSteps;

  @Option(names = "--predictor", paramLabel = "reverse-diffusion|euler-maruyama", converter = PredictorConverter.class,
      description = "Predictor of sde-pc.")
  SamplerParams.Predictor predictor;

  @Option(names = "--rtol", paramLabel = "R", description = "Relative tolerance of ode-rk45.")
  Double rtol;

  @Option(names = "--atol", paramLabel = "A", description = "Absolute tolerance of ode-rk45.")
  Double atol;

  @Option(names = "--eps", paramLabel = "E", description = "Final time of the continuous samplers, in (0, 0.1].")
  Double eps;

  @Option(names = "--grid", paramLabel = "uniform|logsnr|quadratic", converter = GridConverter.class,
      description = "Time grid of the continuous samplers.")
  SamplerParams.Grid grid;

  @Option(names = "--denoise", negatable = true, description = "Final denoising step of the continuous samplers.")
  Boolean denoise;

  @Option(names = "--guidance", paramLabel = "W",
      description = "Classifier-free guidance scale w (needs --label on a class-conditional model).")
  Double guidance;

  @Option(names = "--label", paramLabel = "CLASS",
      description = "Class of every sample (class-conditional models): an index or a name, e.g. 7 or sneaker.")
  String label;

  @Option(names = "--labels", split = ",", paramLabel = "CLASS", description = "One class per sample (instead of --label).")
  java.util.List<String> labels;

  @Option(names = {"--n", "-n"}, paramLabel = "N", description = "Number of samples (default 1).")
  Integer n;

  @Option(names = "--seed", paramLabel = "SEED", description = "Noise seed (default: chosen by the server and echoed).")
  Long seed;

  @Option(names = "--outputs", split = ",", paramLabel = "npy,png", converter = OutputConverter.class,
      description = "Result files to write (default npy,png).")
  List<OutputFormat> outputs;

  @Option(names = "--preview-every", paramLabel = "STEPS", description = "Send a preview event every this many steps.")
  Integer previewEvery;

  @Option(names = "--deadline", paramLabel = "SECONDS", description = "Fail the job if it has not finished this long after submission.")
  Double deadline;

  @Option(names = "--idempotency-key", paramLabel = "KEY",
      description = "Idempotency-Key of the submit (default: a random UUID); repeating a submit with the same key returns the same job.")
  String idempotencyKey;

  @Option(names = "--wait", description = "Wait for the job to finish and print the finished job (exit 1 if it failed).")
  boolean waitForIt;

  @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "3600",
      description = "How long --wait waits (default: ${DEFAULT-VALUE}).")
  double waitTimeout;

  /** @return the request the flags describe */
  JobRequest request() {
    SamplerParams.Builder b = SamplerParams.builder(sampler)
        .optSteps(steps).optTimesteps(timesteps).optEta(eta).optVariance(variance)
        .optClipSigma2(clipSigma2).optSnr(snr).optCorrectorSteps(correctorSteps).optPredictor(predictor)
        .optRtol(rtol).optAtol(atol).optEps(eps).optGrid(grid).optDenoise(denoise).optGuidance(guidance);
    if (trajectory != null) {
      b.optTrajectory(trajectory); // after optTimesteps: an explicit choice wins (the server names a conflict)
    }
    SamplerParams params = b.build();
    return JobRequest.builder(model, params).optN(n).optSeed(seed).optOutputs(outputs)
        .optPreviewEvery(previewEvery).optDeadlineSeconds(deadline).optLabel(label).optLabels(labels).build();
  }

  @Override
  public Integer call() {
    JobRequest request = request();
    try (DpmClient client = remote.client()) {
      Job job = client.submit(request, idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString());
      if (waitForIt) {
        job = client.await(job.id(), Duration.ofMillis((long) (waitTimeout * 1000)));
      }
      spec.commandLine().getOut().println(DpmJson.write(job));
      spec.commandLine().getOut().flush();
      if (waitForIt && job.status() != JobStatus.SUCCEEDED) {
        spec.commandLine().getErr().println(spec.qualifiedName(" ") + ": job " + job.id() + " " + job.status()
            + (job.error() == null ? "" : ": " + job.error().code() + ": " + job.error().message()));
        return RemoteOptions.EXIT_FAILED;
      }
      return 0;
    } catch (DpmException e) {
      return RemoteOptions.report(spec, e);
    }
  }

  /** Sampler wire names. */
  static final class SamplerNameConverter implements ITypeConverter<SamplerName> {
    @Override
    public SamplerName convert(String value) {
      return WireConverters.parse(() -> SamplerName.parse(value));
    }
  }

  /** Trajectory wire names. */
  static final class TrajectoryConverter implements ITypeConverter<SamplerParams.Trajectory> {
    @Override
    public SamplerParams.Trajectory convert(String value) {
      return WireConverters.parse(() -> SamplerParams.Trajectory.parse(value));
    }
  }

  /** Variance wire names. */
  static final class VarianceConverter implements ITypeConverter<SamplerParams.Variance> {
    @Override
    public SamplerParams.Variance convert(String value) {
      return WireConverters.parse(() -> SamplerParams.Variance.parse(value));
    }
  }

  /** Predictor wire names. */
  static final class PredictorConverter implements ITypeConverter<SamplerParams.Predictor> {
    @Override
    public SamplerParams.Predictor convert(String value) {
      return WireConverters.parse(() -> SamplerParams.Predictor.parse(value));
    }
  }

  /** Grid wire names. */
  static final class GridConverter implements ITypeConverter<SamplerParams.Grid> {
    @Override
    public SamplerParams.Grid convert(String value) {
      return WireConverters.parse(() -> SamplerParams.Grid.parse(value));
    }
  }

  /** Output format wire names. */
  static final class OutputConverter implements ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      return WireConverters.parse(() -> OutputFormat.parse(value));
    }
  }

  /** Turns the SDK's parse errors into picocli's. */
  static final class WireConverters {
    private WireConverters() {}

    static <T> T parse(java.util.function.Supplier<T> p) {
      try {
        return p.get();
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
