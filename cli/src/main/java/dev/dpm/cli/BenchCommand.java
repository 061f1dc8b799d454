package dev.dpm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ./dpm bench}: benchmarks ({@code sampler}, {@code serve}, {@code quality}, {@code engine},
 * {@code cluster}). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks.",
    subcommands = {BenchSamplerCommand.class, BenchServeCommand.class, BenchQualityCommand.class,
        BenchEngineCommand.class, BenchClusterCommand.class})
public final class BenchCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "missing benchmark (" + String.join(", ", spec.subcommands().keySet()) + ")");
  }
}
