package dev.dpm.cli;

import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.ExtendedFamilyTable;
import dev.dpm.bench.quality.FeatureExtractor;
import dev.dpm.bench.quality.NfeTable;
import dev.dpm.bench.quality.TableSettings;
import dev.dpm.bench.quality.TorchScriptFeatures;
import dev.dpm.runtime.model.GammaJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The extra tables of {@code ./dpm bench quality} (issue 16): {@code --table extended} (bits/dim and FD of σ² = β,
 * Analytic, NPR and SN on a model with both second heads) and {@code --table nfe} (FD and wall time against NFE for
 * every sampler). The default {@code --table paper} is the Analytic-DPM tables of {@link BenchQualityCommand}.
 */
public final class QualityTables {
  @Option(names = "--table", defaultValue = "paper", paramLabel = "paper|extended|nfe",
      description = "Which tables: paper (the Analytic-DPM tables), extended (bits/dim and FD of σ²=β, Analytic, NPR"
          + " and SN; needs the eps2 and epsc heads), nfe (FD and wall time against NFE, every sampler)"
          + " (default: ${DEFAULT-VALUE}).")
  String table;

  @Option(names = "--nfes", split = ",", paramLabel = "N,...", defaultValue = "5,10,15,20,50",
      description = "Target NFEs of --table nfe (default: ${DEFAULT-VALUE}).")
  int[] nfes;

  @Option(names = "--samplers", split = ",", paramLabel = "NAME,...",
      description = "Samplers of --table nfe (default: every sampler the model serves).")
  List<String> samplers = new ArrayList<>();

  /** @return whether an extra table was asked for */
  boolean selected() {
    if (!List.of("paper", "extended", "nfe").contains(table)) {
      throw new UsageError("--table takes paper, extended or nfe, got " + table);
    }
    return !table.equals("paper");
  }

  /** What the quality command passes on. */
  record Inputs(Path models, String model, ai.djl.Device device, long seed, Integer images, Integer samples,
      int[] ks, boolean ksGiven, int[] sampleKs, boolean sampleKsGiven, int batch, Path data, Path features,
      Path gamma, int bootstrap, Path out, boolean fresh, String command) {}

  /**
   * Runs the selected table.
   *
   * @param in the quality command's options
   * @param out standard output (the report)
   * @param err progress lines
   * @return the exit code
   * @throws IOException if data or results cannot be read or written
   */
  int run(Inputs in, PrintWriter out, PrintWriter err) throws IOException {
    BenchModel bm;
    try {
      bm = BenchModel.open(in.models(), in.model(), in.device(), null);
    } catch (IOException e) {
      throw new UsageError(e.getMessage(), e);
    }
    FeatureExtractor fx = null;
    try {
      if (!bm.spec().isImage()) {
        throw new UsageError("--table " + table + " is for image models");
      }
      if (in.gamma() != null) {
        bm = bm.withGamma(GammaJson.read(in.gamma(), bm.schedule()).values(), in.gamma().toString());
      }
      Path fdir = in.features() != null ? in.features() : in.models().resolve("fashion-features");
      try {
        fx = TorchScriptFeatures.open(fdir, in.device());
      } catch (IOException e) {
        throw new UsageError("--features: " + e.getMessage(), e);
      }
      Path data = in.data() != null ? in.data() : Path.of(BenchQualityCommand.FASHION_TEST);
      Path outDir = in.out() != null ? in.out() : Path.of("bench-out", table + "-" + bm.name());
      TableSettings s = new TableSettings(outDir, in.seed(), in.images() != null ? in.images() : 100,
          in.samples() != null ? in.samples() : 250, in.ksGiven() ? in.ks() : new int[] {10, 25, 50, 100},
          in.sampleKsGiven() ? in.sampleKs() : new int[] {10, 25, 50}, nfes, samplers, in.batch(), data,
          in.bootstrap(), in.fresh(), in.command());
      String md = table.equals("extended") ? ExtendedFamilyTable.run(s, bm, fx, err) : NfeTable.run(s, bm, fx, err);
      out.print(md);
      out.flush();
      return 0;
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage(), e);
    } finally {
      if (fx != null) {
        fx.close();
      }
      bm.close();
    }
  }
}
