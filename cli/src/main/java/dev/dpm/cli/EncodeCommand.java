package dev.dpm.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.continuous.Encoder;
import dev.dpm.core.data.DataSet;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplingProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm encode}: maps data to latents x_T by running a deterministic sampler backwards
 * ({@link Encoder}: the probability-flow ODE solvers {@code ode-euler}, {@code ode-heun},
 * {@code ode-rk45}, {@code dpm-solver-2m} on the reversed grid, or DDIM inversion for {@code ddim}
 * with η = 0), writes them as float32 {@code .npy} [N, …shape] and prints a JSON summary.
 * Decoding is {@code ./dpm sample --latents FILE.npy} with the same sampler flags; {@code --check}
 * decodes here too and reports the round-trip error max|decode(encode(x)) − x|.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
    description = "Encode data to latents through a deterministic sampler (the ODE, or DDIM inversion); "
        + "write .npy; print a JSON summary.")
public final class EncodeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions model;

  @Mixin
  SamplerOptions sampler;

  @Option(names = "--data", required = true, paramLabel = "FILE.npy",
      description = "Data rows [N, …shape], float in the model's range (or uint8 for 8-bit models).")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "Output latents, float32 [N, …shape].")
  Path out;

  @Option(names = "--limit", paramLabel = "L", description = "Use the first L rows only.")
  Integer limit;

  @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
      description = "Rows per network evaluation (default: ${DEFAULT-VALUE}); does not change the latents.")
  int batch;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED",
      description = "Noise seed of the check's decoder (deterministic samplers draw none; default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--check", description = "Decode the latents too and report the round-trip error.")
  boolean check;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() throws IOException {
    if (batch < 1) {
      throw new UsageError("--batch must be at least 1, got " + batch);
    }
    if (limit != null && limit < 1) {
      throw new UsageError("--limit must be at least 1, got " + limit);
    }
    String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!name.endsWith(".npy")) {
      throw new UsageError("--out must end in .npy, got " + out);
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new UsageError("--out: folder " + parent + " does not exist");
    }
    ModelSpec ms = model.spec();
    ModelContext ctx0 = ModelLoader.context(ms);
    Encoder encoder = encoder(ctx0); // bad settings fail before the network loads
    DataSet rows;
    try {
      rows = DataSets.load(data, ms, limit == null ? 0 : limit);
    } catch (IOException e) {
      throw new UsageError("--data: " + e.getMessage(), e);
    }
    int n = rows.size();
    int d = ms.dimension();
    long t0 = System.nanoTime();
    try (LoadedModel lm = model.load()) {
      double loadSeconds = (System.nanoTime() - t0) / 1e9;
      long t1 = System.nanoTime();
      List<SamplingProcess> enc = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        enc.add(encoder.encode(rows.row(i)));
      }
      long[] evals = {0};
      try (Progress bar = Progress.start("encode", (long) n * Math.max(1, enc.get(0).totalSteps()), "evals", progress)) {
        Driver.run(enc, lm.predictor(), batch, r -> {
          evals[0] += r;
          bar.stepBy(r);
        });
      }
      float[] latents = new float[Math.multiplyExact(n, d)]; // [N, d]
      double nfe = 0;
      int nfeMax = 0;
      for (int i = 0; i < n; i++) {
        SamplingProcess p = enc.get(i);
        System.arraycopy(p.sample(), 0, latents, i * d, d);
        nfe += p.nfe();
        nfeMax = Math.max(nfeMax, p.nfe());
      }
      double seconds = (System.nanoTime() - t1) / 1e9;
      int[] shape = new int[ms.sampleShape().length + 1];
      shape[0] = n;
      System.arraycopy(ms.sampleShape(), 0, shape, 1, shape.length - 1);
      Npy.writeFloat32(out, latents, shape);

      ObjectNode root = Json.object();
      root.put("model", ms.name());
      root.set("sampler", Json.map(encoder.settings().toMap()));
      root.put("n", n);
      root.set("shape", Json.array(shape));
      root.put("data", rows.describe());
      root.put("out", out.toString());
      root.put("nfe", nfe / n);
      root.put("nfeMax", nfeMax);
      root.put("evaluations", evals[0]);
      root.put("batch", batch);
      root.put("seconds", SampleCommand.round(seconds));
      root.put("loadSeconds", SampleCommand.round(loadSeconds));
      if (check) {
        long t2 = System.nanoTime();
        NoiseSource src = new NoiseSource(seed);
        List<SamplingProcess> dec = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          float[] z = new float[d];
          System.arraycopy(latents, i * d, z, 0, d);
          dec.add(encoder.decoder().start(src.stream(i), z));
        }
        try (Progress bar = Progress.start("decode", (long) n * Math.max(1, dec.get(0).totalSteps()), "evals", progress)) {
          Driver.run(dec, lm.predictor(), batch, bar::stepBy);
        }
        double max = 0;
        double sq = 0;
        double decNfe = 0;
        for (int i = 0; i < n; i++) {
          float[] back = dec.get(i).sample();
          float[] x = rows.row(i);
          for (int j = 0; j < d; j++) {
            double e = Math.abs((double) back[j] - x[j]);
            max = Math.max(max, e);
            sq += e * e;
          }
          decNfe += dec.get(i).nfe();
        }
        ObjectNode c = root.putObject("roundTrip");
        c.put("maxAbsError", max);
        c.put("rmsError", Math.sqrt(sq / ((double) n * d)));
        c.put("decodeNfe", decNfe / n);
        c.put("seconds", SampleCommand.round((System.nanoTime() - t2) / 1e9));
      }
      Json.print(spec.commandLine().getOut(), root);
    }
    return 0;
  }

  private Encoder encoder(ModelContext ctx) {
    Encoder.Outcome o = Encoder.create(sampler.settings(), ctx);
    if (o instanceof Encoder.Outcome.Ok ok) {
      return ok.encoder();
    }
    throw new UsageError(((Encoder.Outcome.Invalid) o).problems().stream().map(SamplerOptions::describe)
        .collect(Collectors.joining("; ")));
  }
}
