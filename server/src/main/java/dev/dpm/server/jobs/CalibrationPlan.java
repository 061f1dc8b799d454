package dev.dpm.server.jobs;

import dev.dpm.core.data.DataSet;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.moments.Provenance;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.server.models.ServedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Γ calibration as engine work: Γ^eps_n = E‖ε_θ(x_n, n)‖²/d for n = 1..N (reference §2.3, ε
 * units; paper eq. 8), estimated over M data rows exactly as the core's {@link Moments#estimate}
 * does, so that a calibration job and {@code ./dpm calibrate} with the same model, data, M and
 * seed give the same Γ. Each data row is one process that asks for ε at
 * x_n = √ᾱ_n x₀ + √β̄_n ε for n = 1..N in turn, so calibrations share batches with sampling jobs.
 *
 * <p>Data: a data file on the server (npy or IDX, first M rows, see {@link DataSets}) or, for an
 * oracle model without one, M exact samples of the mixture drawn from
 * {@code new NoiseSource(~seed)} (what the command line draws). Noise: row m at step n uses draw
 * n of stream m of {@code new NoiseSource(seed)} ({@link NoiseSource#gaussian}). Γ[0] is 0 by the
 * core's convention ({@link Gamma}; never used, the last step ends at n = 0).
 *
 * <p>Summation order: the engine visits one job's processes with a round-robin cursor in process
 * order, and every row needs exactly one evaluation per step, so the rows of each step are summed in
 * row order — the order of {@link Moments#estimate}. With a network whose rows do not depend on
 * their batch-mates the result is therefore bit-identical to the command line's (tests pin this on
 * the oracle and on a TorchScript fixture).
 */
final class CalibrationPlan {
  /** Most data values (M × d) a calibration may hold in memory: 64 Mi floats, 256 MB. */
  static final long MAX_VALUES = 64L << 20;

  private final ServedModel model;
  private final DataSet data;
  private final long seed;
  private final boolean install;
  private final Moments.Options options;
  private final Path dataFile;
  private final Moments.Accumulator sums; // step index n − 1
  private volatile Gamma installed;
  private volatile Path installedFile;

  private CalibrationPlan(ServedModel model, DataSet data, long seed, boolean install, boolean controlVariate,
      Path dataFile) {
    this.model = model;
    this.data = data;
    this.seed = seed;
    this.install = install;
    this.options = new Moments.Options(0, controlVariate);
    this.dataFile = dataFile;
    this.sums = new Moments.Accumulator(model.context().schedule().steps());
  }

  /**
   * Prepares a calibration: loads the first M rows of the data file, or draws M exact samples of
   * an oracle.
   *
   * @param model the model
   * @param m M, data rows
   * @param seed noise seed
   * @param install whether the result becomes the model's Γ
   * @param controlVariate whether to use the ‖ε‖²/d control variate ({@link Moments.Options})
   * @param dataFile a resolved data file, or null for exact oracle samples
   * @return the plan
   * @throws IOException naming the problem (unreadable file, wrong shape, fewer than M rows, no data
   *     for a network)
   */
  static CalibrationPlan create(ServedModel model, int m, long seed, boolean install, boolean controlVariate,
      Path dataFile) throws IOException {
    ModelSpec spec = model.spec();
    DataSet rows;
    if (dataFile != null) {
      rows = DataSets.load(dataFile, spec, m);
      if (rows.size() < m) {
        throw new IOException(dataFile.getFileName() + " has only " + rows.size() + " rows, samples asks for " + m);
      }
    } else if (spec.mixture() != null) {
      long dataSeed = ~seed; // as ./dpm calibrate: x₀ must not reuse the estimator's noise streams
      float[][] x0 = GaussianMixturePredictor.sampleData(spec.mixture(), dataSeed, m);
      rows = DataSet.ofRows(x0, spec.sampleShape(), spec.dataRange(),
          "exact samples of " + spec.name() + " (seed " + dataSeed + ")");
    } else {
      throw new IOException("model '" + spec.name() + "' is a network: name a data file on the server ('data')");
    }
    if (controlVariate && m < 3) {
      throw new IOException("the control variate needs at least 3 samples, got " + m);
    }
    return new CalibrationPlan(model, rows, seed, install, controlVariate, dataFile);
  }

  /** @return whether the result is installed as the model's Γ */
  boolean install() {
    return install;
  }

  /** @return the data file, or null for exact oracle samples */
  Path dataFile() {
    return dataFile;
  }

  /** @return the model */
  ServedModel model() {
    return model;
  }

  /** @return fresh processes, one per data row (accumulators reset) */
  List<SamplingProcess> processes() {
    sums.reset();
    NoiseSource noise = new NoiseSource(seed);
    int m = data.size();
    List<SamplingProcess> ps = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      ps.add(new Row(i, noise));
    }
    return ps;
  }

  /**
   * The estimate as the canonical Γ file (after every process is done).
   *
   * @return Γ with provenance (model hash, data, M, seed, schedule)
   */
  Gamma result() {
    NoiseSchedule sched = model.context().schedule();
    int n = sched.steps();
    int[] steps = new int[n];
    for (int k = 1; k <= n; k++) {
      steps[k - 1] = k;
    }
    Moments.Estimate est = sums.finish(steps, data.size(), seed, data.describe(), options);
    String type = model.spec().schedule().kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
    return est.toGamma(n, Provenance.of(model.sha256(), est, ScheduleInfo.of(type, sched)));
  }

  /**
   * Remembers the Γ written for installation.
   *
   * @param gamma the Γ
   * @param file where it was stored
   */
  void written(Gamma gamma, Path file) {
    installed = gamma;
    installedFile = file;
  }

  /** Installs the Γ recorded by {@link #written} into the model (in memory). */
  void installInto() {
    if (installed != null) {
      model.installGamma(installed, installedFile);
    }
  }

  /** One data row's walk over n = 1..N. */
  private final class Row implements SamplingProcess {
    private final int row;
    private final NoiseSource noise;
    private final NoiseSchedule sched = model.context().schedule();
    private EvalRequest request; // for step n, built on demand and dropped after accept
    private float[] noiseOfRequest; // the ε that made the request's x_n, [d]
    private int n = 1;

    Row(int row, NoiseSource noise) {
      this.row = row;
      this.noise = noise;
    }

    @Override
    public EvalRequest pending() {
      if (request == null) {
        int d = data.dimension();
        float[] x0 = new float[d];
        float[] eps = new float[d];
        data.copyRow(row, x0, 0);
        noise.gaussian(row, n, eps);
        double sa = Math.sqrt(sched.alphaBar(n));
        double sb = Math.sqrt(sched.betaBar(n));
        float[] x = new float[d]; // [d]
        for (int j = 0; j < d; j++) {
          x[j] = (float) (sa * x0[j] + sb * eps[j]); // x_n = √ᾱ_n x₀ + √β̄_n ε
        }
        request = new EvalRequest(x, n);
        noiseOfRequest = eps;
      }
      return request;
    }

    @Override
    public void accept(float[] eps) {
      sums.add(n - 1, eps, 0, noiseOfRequest, 0, eps.length); // as Moments.estimateAt
      request = null;
      noiseOfRequest = null;
      n++;
    }

    @Override
    public boolean isDone() {
      return n > sched.steps();
    }

    @Override
    public float[] sample() {
      return new float[0];
    }

    @Override
    public int step() {
      return n - 1;
    }

    @Override
    public int totalSteps() {
      return sched.steps();
    }

    @Override
    public int nfe() {
      return n - 1;
    }

    @Override
    public float[] denoised() {
      return null;
    }
  }
}
