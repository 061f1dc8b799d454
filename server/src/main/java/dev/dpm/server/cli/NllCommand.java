package dev.dpm.server.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.io.DataSet;
import dev.dpm.core.io.DataSets;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.LoadedModel;
import dev.dpm.core.model.ModelSpec;
import dev.dpm.core.sampler.DiscreteSampler;
import dev.dpm.core.sampler.SamplerKind;
import java.io.IOException;
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
 *
 * <p>8-bit image models use the discretised decoder (bits/dim of the 8-bit data); continuous
 * models (the oracles) a Gaussian decoder, so the bound is on a density and {@code natsPerDim} is
 * reported too. Row i's noise comes from stream i of the seed, so two samplers run with the same
 * seed see the same x_t (paired comparison).
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
    if (limit != null && limit < 1) {
      throw new UsageError("--limit must be at least 1, got " + limit);
    }
    if (batch < 1) {
      throw new UsageError("--batch must be at least 1, got " + batch);
    }
    if (probes != null) {
      throw new UsageError("--probes applies to --method ode only");
    }
    SamplerKind kind = sampler.sampler;
    if (kind != SamplerKind.DDPM && kind != SamplerKind.ANALYTIC_DDPM) {
      throw new UsageError("--sampler: the variational bound is defined for ddpm (--variance posterior|forward) and "
          + "analytic-ddpm, not " + kind.wire() + " (DDIM-type steps have no density)");
    }
    ModelSpec ms = model.spec();
    DiscreteSampler ds = (DiscreteSampler) sampler.create(ms); // validates steps, trajectory, Γ
    DataSet rows = loadData(ms);
    Decoder decoder = ms.eightBit() ? Decoder.DISCRETISED_8BIT : Decoder.GAUSSIAN;
    BoundSettings bs;
    try {
      bs = new BoundSettings(ds.trajectory(), ds.variance(), decoder, seed, batch);
    } catch (IllegalArgumentException e) {
      throw new UsageError("--trajectory: " + e.getMessage(), e);
    }
    long t0 = System.nanoTime();
    BoundResult r;
    try (LoadedModel lm = model.load();
        Progress bar = Progress.start("nll", VariationalBound.evaluations(rows.size(), ds.trajectory().size()),
            "evals", progress)) {
      r = VariationalBound.evaluate(lm.predictor(), lm.schedule(), rows, bs, bar::stepTo);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;

    ObjectNode root = Json.object();
    root.put("bitsPerDim", r.bitsPerDim());
    root.put("stdError", r.stdError());
    root.put("n", r.n());
    if (decoder == Decoder.GAUSSIAN) {
      root.put("natsPerDim", r.natsPerDim());
    }
    root.put("model", ms.name());
    root.put("method", method.name());
    root.set("sampler", Json.map(ds.settings().toMap()));
    root.put("decoder", decoder == Decoder.GAUSSIAN ? "gaussian" : "discretised-8bit");
    root.put("data", rows.describe());
    root.put("seed", seed);
    root.put("priorBitsPerDim", r.priorBitsPerDim());
    root.put("klBitsPerDim", r.klBitsPerDim());
    root.put("decoderBitsPerDim", r.decoderBitsPerDim());
    root.set("timesteps", Json.array(ds.trajectory().timesteps()));
    ArrayNode steps = root.putArray("steps");
    for (BoundResult.StepTerm st : r.steps()) {
      ObjectNode o = steps.addObject();
      o.put("from", st.from());
      o.put("to", st.to());
      o.put("bitsPerDim", st.bitsPerDim());
      o.put("stdError", st.stdError());
    }
    root.put("seconds", SampleCommand.round(seconds));
    Json.print(spec.commandLine().getOut(), root);
    return 0;
  }

  /**
   * Loads --data; float data of an 8-bit model are rounded to its 256 levels so that the
   * discretised decoder applies.
   */
  private DataSet loadData(ModelSpec ms) {
    DataSet rows;
    try {
      rows = DataSets.load(data, ms, limit == null ? 0 : limit);
    } catch (IOException e) {
      throw new UsageError("--data: " + e.getMessage(), e);
    }
    if (ms.eightBit() && !rows.eightBit()) {
      DataRange range = ms.dataRange();
      int d = rows.dimension();
      byte[] levels = new byte[rows.size() * d];
      float[] row = new float[d];
      for (int i = 0; i < rows.size(); i++) {
        rows.copyRow(i, row, 0);
        for (int j = 0; j < d; j++) {
          levels[i * d + j] = (byte) ImageGrid.level(row[j], range.low(), range.high());
        }
      }
      rows = DataSet.ofLevels(levels, rows.size(), ms.sampleShape(), range,
          rows.source() + " (float, rounded to 8-bit levels)");
    }
    return rows;
  }
}
