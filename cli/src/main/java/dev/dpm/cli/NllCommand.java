package dev.dpm.cli;

import dev.dpm.runtime.image.ImageGrid;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.continuous.OdeLikelihood;
import dev.dpm.core.data.DataSet;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.DataRange;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.DiscreteSampler;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerParam;
import java.util.EnumSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm nll}: the negative log-likelihood of data under a sampler configuration:
 * {@code elbo} — the variational bound in bits/dim on a trajectory (Analytic-DPM §6.1);
 * {@code ode} — the exact likelihood of the probability-flow ODE ({@link OdeLikelihood}: RK45
 * from the data to noise, divergence by finite-difference Jacobian–vector products, exact trace for
 * d ≤ 16, Hutchinson probes otherwise; uniform dequantisation for 8-bit data). With {@code --method
 * ode} only {@code --eps} (default 1e-5), {@code --rtol}, {@code --atol} (default 1e-5) and
 * {@code --probes} apply; {@code --sampler} may be left out (or be {@code ode-rk45}).
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

  @Option(names = "--probes", paramLabel = "P",
      description = "--method ode: Hutchinson probes per sample (0 = exact trace; default exact when d <= 16, else 1).")
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
      return callOde();
    }
    if (sampler.sampler == null) {
      throw new UsageError("Missing required option: '--sampler=NAME' (--method elbo)");
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
    if (kind != SamplerKind.DDPM && kind != SamplerKind.ANALYTIC_DDPM && kind != SamplerKind.SN_DDPM
        && kind != SamplerKind.NPR_DDPM) {
      throw new UsageError("--sampler: the variational bound is defined for ddpm (--variance posterior|forward), "
          + "analytic-ddpm, sn-ddpm and npr-ddpm, not " + kind.wire() + " (DDIM-type steps have no density)");
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

  /** {@code --method ode}: the probability-flow ODE likelihood of every row. */
  private Integer callOde() {
    if (limit != null && limit < 1) {
      throw new UsageError("--limit must be at least 1, got " + limit);
    }
    if (batch < 1) {
      throw new UsageError("--batch must be at least 1, got " + batch);
    }
    if (sampler.sampler != null && sampler.sampler != SamplerKind.ODE_RK45) {
      throw new UsageError("--sampler: --method ode integrates the probability-flow ODE with ode-rk45, not "
          + sampler.sampler.wire() + " (leave --sampler out)");
    }
    for (SamplerParam p : EnumSet.range(SamplerParam.STEPS, SamplerParam.DENOISE)) {
      if (!EnumSet.of(SamplerParam.RTOL, SamplerParam.ATOL, SamplerParam.EPS).contains(p)) {
        notForOde("--" + p.wire(), sampler.value(p));
      }
    }
    OdeLikelihood.Settings settings = OdeLikelihood.Settings.defaults();
    if (sampler.eps != null) {
      settings = settings.withEps(sampler.eps);
    }
    if (sampler.rtol != null || sampler.atol != null) {
      settings = settings.withTolerances(sampler.rtol != null ? sampler.rtol : settings.rtol(),
          sampler.atol != null ? sampler.atol : settings.atol());
    }
    if (probes != null) {
      settings = settings.withProbes(probes);
    }
    List<Problem> problems = settings.problems();
    if (!problems.isEmpty()) {
      throw new UsageError(problems.stream().map(SamplerOptions::describe).collect(Collectors.joining("; ")));
    }
    ModelSpec ms = model.spec();
    DataSet rows = loadData(ms);
    long t0 = System.nanoTime();
    OdeLikelihood.Summary sum;
    OdeLikelihood lik;
    try (LoadedModel lm = model.load()) {
      ModelContext ctx = lm.context();
      try {
        lik = OdeLikelihood.create(settings, ctx);
      } catch (IllegalArgumentException e) {
        throw new UsageError(e.getMessage(), e);
      }
      NoiseSource src = new NoiseSource(seed);
      int d = rows.dimension();
      float[] row = new float[d];
      List<OdeLikelihood.Process> ps = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        rows.copyRow(i, row, 0);
        ps.add(lik.start(row.clone(), src.stream(i)));
      }
      long perRow = (long) ps.get(0).totalSteps() * 6 * (1 + 2L * (lik.probes() == 0 ? d : lik.probes()));
      try (Progress bar = Progress.start("nll ode", perRow * rows.size(), "evals", progress)) {
        Driver.run(ps, lm.predictor(), batch, bar::stepBy);
      }
      List<OdeLikelihood.Result> rs = new ArrayList<>(ps.size());
      for (OdeLikelihood.Process p : ps) {
        rs.add(p.result());
      }
      sum = lik.summarize(rs);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    ObjectNode root = Json.object();
    root.put("bitsPerDim", sum.bitsPerDim());
    root.put("stdError", sum.bitsStdError());
    root.put("n", sum.n());
    if (!sum.dequantized()) {
      root.put("natsPerDim", sum.natsPerDim());
      root.put("natsStdError", sum.natsStdError());
    }
    root.put("meanNfe", sum.meanNfe());
    root.put("model", ms.name());
    root.put("method", method.name());
    root.put("eps", lik.settings().eps());
    root.put("rtol", lik.settings().rtol());
    root.put("atol", lik.settings().atol());
    root.put("probes", lik.probes());
    root.put("trace", lik.probes() == 0 ? "exact" : "hutchinson");
    root.put("dequantized", sum.dequantized());
    root.put("data", rows.describe());
    root.put("seed", seed);
    root.put("seconds", SampleCommand.round(seconds));
    Json.print(spec.commandLine().getOut(), root);
    return 0;
  }

  private static void notForOde(String flag, Object value) {
    if (value != null) {
      throw new UsageError(flag + ": does not apply to --method ode (only --eps, --rtol, --atol, --probes)");
    }
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
