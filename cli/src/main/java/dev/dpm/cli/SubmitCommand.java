package dev.dpm.cli;

import dev.dpm.client.DpmClient;
import dev.dpm.client.DpmException;
import dev.dpm.client.DpmJson;
import dev.dpm.client.Job;
import dev.dpm.client.JobRequest;
import dev.dpm.client.JobStatus;
import dev.dpm.client.OutputFormat;
import dev.dpm.client.SamplerParams;
import dev.dpm.core.sampler.SamplerSettings;
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
 * flags are {@code ./dpm sample}'s ({@link SamplerOptions}); left-out ones take the sampler's defaults.
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

  @Mixin
  SamplerOptions sampler;

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

  @Option(names = "--priority", paramLabel = "0-9",
      description = "Scheduling priority, 0 (default) to 9: higher-priority jobs start first and go first at every step.")
  Integer priority;

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
    if (sampler.sampler == null) {
      throw new UsageError("Missing required option: '--sampler=NAME' (see ./dpm submit --help)");
    }
    return JobRequest.builder(model, params(sampler.settings())).optN(n).optSeed(seed).optOutputs(outputs)
        .optPreviewEvery(previewEvery).optDeadlineSeconds(deadline).optLabel(label).optLabels(labels)
        .optPriority(priority).build();
  }

  /**
   * The SDK's sampler object of the flags: the same wire names ({@code SamplerOptionsTest} checks them against the
   * core's table), and, as the SDK's builder does, {@code trajectory=explicit} with timesteps unless one was given.
   *
   * @param s the settings the flags describe
   * @return the SDK's parameters
   */
  static SamplerParams params(SamplerSettings s) {
    SamplerParams p;
    try {
      p = DpmJson.mapper().convertValue(s.toMap(), SamplerParams.class);
    } catch (IllegalArgumentException e) { // the SDK's own range check, as its builder would throw it
      Throwable cause = e;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      throw cause instanceof IllegalArgumentException own ? own : e;
    }
    return p.timesteps() != null && p.trajectory() == null
        ? p.toBuilder().optTrajectory(SamplerParams.Trajectory.EXPLICIT).build() : p;
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
