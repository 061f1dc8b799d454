package dev.dpm.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm nll}: the negative log-likelihood of data under a sampler configuration:
 * {@code elbo} — the variational bound in bits/dim on a trajectory (Analytic-DPM §6.1);
 * {@code ode} — the probability-flow ODE likelihood (not wired yet).
 */
@Command(name = "nll", mixinStandardHelpOptions = true,
    description = "Negative log-likelihood (bits/dim) of data under a sampler; prints JSON.")
public final class NllCommand implements Callable<Integer> {
  /** Likelihood methods. */
  public enum Method {
    /** The variational bound on a trajectory. */
    elbo,
    /** The probability-flow ODE with Hutchinson divergence. */
    ode
  }

  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Mixin
  SamplerOptions sampler;

  @Option(names = "--data", required = true, paramLabel = "PATH",
      description = ".npy (uint8, or float in the model's range) or IDX (.gz) test data.")
  Path data;

  @Option(names = "--limit", paramLabel = "L", description = "Use the first L rows only.")
  Integer limit;

  @Option(names = "--method", defaultValue = "elbo", paramLabel = "elbo|ode",
      description = "elbo (variational bound, default) or ode (probability-flow ODE).")
  Method method;

  @Option(names = "--probes", paramLabel = "P", description = "Hutchinson probes per sample (--method ode).")
  Integer probes;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "Noise seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--batch", defaultValue = "64", paramLabel = "B", description = "Rows per network evaluation (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() {
    if (method == Method.ode) {
      throw new UsageError("--method ode: the probability-flow ODE likelihood is not available in this build yet");
    }
    throw new UsageError("nll: the ELBO likelihood is not available in this build yet");
  }
}
