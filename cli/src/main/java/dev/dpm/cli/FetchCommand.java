package dev.dpm.cli;

import dev.dpm.client.DpmClient;
import dev.dpm.client.DpmException;
import dev.dpm.client.OutputFormat;
import dev.dpm.client.ResultFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ./dpm fetch ID}: downloads a succeeded job's result (through the Java SDK) to a file and
 * prints the file's path: all samples as {@code .npy}, the PNG grid or scatter plot, one sample's
 * PNG with {@code --index}, or a calibration's Γ file with {@code --format json}.
 */
@Command(name = "fetch", mixinStandardHelpOptions = true,
    description = "Download a job's result from a DPM server (npy, png, or json); print the file written.")
public final class FetchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  RemoteOptions remote;

  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Option(names = "--format", paramLabel = "npy|png|json", defaultValue = "npy", converter = FormatConverter.class,
      description = "What to download (default: ${DEFAULT-VALUE}).")
  OutputFormat format;

  @Option(names = "--index", paramLabel = "I", description = "One sample's PNG (image models; with --format png).")
  Integer index;

  @Option(names = {"--out", "-o"}, paramLabel = "FILE",
      description = "Where to write it (default: ID.npy / ID.png / ID.json in the current folder; a folder gets that name inside).")
  Path out;

  @Override
  public Integer call() {
    if (index != null && format != OutputFormat.PNG) {
      throw new IllegalArgumentException("--index needs --format png");
    }
    Path target = out != null ? out
        : Path.of(id + (index == null ? "" : "-" + index) + format.extension());
    try (DpmClient client = remote.client()) {
      ResultFile file = index == null ? client.result(id, format) : client.result(id, format, index);
      Path written = file.saveTo(target);
      spec.commandLine().getOut().println(written);
      spec.commandLine().getOut().flush();
      return 0;
    } catch (DpmException e) {
      return RemoteOptions.report(spec, e);
    }
  }

  /** npy, png, json. */
  static final class FormatConverter implements ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      try {
        OutputFormat f = OutputFormat.parse(value);
        return f;
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
