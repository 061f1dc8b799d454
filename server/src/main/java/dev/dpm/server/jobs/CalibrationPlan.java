package dev.dpm.server.jobs;

import dev.dpm.core.data.DataSet;
import dev.dpm.runtime.io.DataSets;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.GuidedGamma;
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
  private final Guided guided; // null: a plain Γ calibration
  private volatile Gamma installed;
  private volatile Path installedFile;
  private volatile GuidedGamma installedGrid;

  /**
   * A guided-Γ calibration: the data split by class, the grid of w, and one accumulator per (class, w).
   *
   * @param classes the rows of class c at index c
   * @param scales the grid of w
   * @param pooled pool over labels by class counts
   * @param sums accumulators [c][w]
   */
  private record Guided(DataSet[] classes, double[] scales, boolean pooled, Moments.Accumulator[][] sums) {}

  private CalibrationPlan(ServedModel model, DataSet data, long seed, boolean install, boolean controlVariate,
      Path dataFile) {
    this(model, data, seed, install, controlVariate, dataFile, null);
  }

  private CalibrationPlan(ServedModel model, DataSet data, long seed, boolean install, boolean controlVariate,
      Path dataFile, Guided guided) {
    this.guided = guided;
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

  /**
   * Prepares a guided-Γ calibration ({@code ./dpm calibrate --guidance}): Γ of ε̃_w(· | c) for every class c and w of
   * the grid over the class's rows, each (c, w) estimated as {@code Moments.estimate} does on the class's rows alone
   * (row j of class c uses noise stream j), so the grid equals the command line's. Data: the first M rows of a file
   * with a label file, or for a labelled oracle round(M·w_c) (at least 2) exact samples of component c from
   * {@code new NoiseSource(~seed − c)}.
   *
   * @param model a class-conditional model
   * @param m M
   * @param seed noise seed
   * @param install whether the grid becomes the model's ({@code gamma-guided.json})
   * @param controlVariate control variate
   * @param dataFile data file or null (oracle)
   * @param labelFile the rows' classes (with a data file)
   * @param scales the grid of w
   * @param pooled pool over labels
   * @return the plan
   * @throws IOException naming the problem
   */
  static CalibrationPlan guided(ServedModel model, int m, long seed, boolean install, boolean controlVariate,
      Path dataFile, Path labelFile, double[] scales, boolean pooled) throws IOException {
    ModelSpec spec = model.spec();
    int k = model.conditional() == null ? 0 : model.conditional().classCount();
    if (k == 0) {
      throw new IOException("model '" + spec.name() + "' is not class-conditional");
    }
    DataSet[] classes = GuidedCalibrationData.classes(spec, k, m, seed, dataFile, labelFile);
    int steps = model.context().schedule().steps();
    Moments.Accumulator[][] acc = new Moments.Accumulator[k][scales.length];
    for (Moments.Accumulator[] row : acc) {
      for (int i = 0; i < row.length; i++) {
        row[i] = new Moments.Accumulator(steps);
      }
    }
    return new CalibrationPlan(model, classes[0], seed, install, controlVariate, dataFile,
        new Guided(classes, scales.clone(), pooled, acc));
  }

  /** @return whether this is a guided-Γ calibration */
  boolean isGuided() {
    return guided != null;
  }

  /** @return network rows per data row and step, summed over the grid (2 for a guided w, 1 for w ∈ {0, 1}) */
  int rowsPerRow() {
    if (guided == null) {
      return 1;
    }
    int r = 0;
    for (double w : guided.scales()) {
      r += w == 0.0 || w == 1.0 ? 1 : 2;
    }
    return r;
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

  /**
   * @return the rows' conditions for the engine: null for a plain Γ calibration (the unconditional predictor), else
   *     one per process of {@link #processes()} (its class and w)
   */
  dev.dpm.core.model.Condition[] conditions() {
    if (guided == null) {
      return null;
    }
    List<dev.dpm.core.model.Condition> out = new ArrayList<>();
    for (double w : guided.scales()) {
      for (int c = 0; c < guided.classes().length; c++) {
        for (int j = 0; j < guided.classes()[c].size(); j++) {
          out.add(new dev.dpm.core.model.Condition(c, dev.dpm.core.model.Guidance.of(w)));
        }
      }
    }
    return out.toArray(new dev.dpm.core.model.Condition[0]);
  }

  /** @return fresh processes, one per data row (accumulators reset) */
  List<SamplingProcess> processes() {
    NoiseSource noise = new NoiseSource(seed);
    if (guided != null) {
      List<SamplingProcess> ps = new ArrayList<>();
      for (int i = 0; i < guided.scales().length; i++) {
        for (int c = 0; c < guided.classes().length; c++) {
          Moments.Accumulator acc = guided.sums()[c][i];
          acc.reset();
          for (int j = 0; j < guided.classes()[c].size(); j++) {
            ps.add(new Row(j, noise, guided.classes()[c], acc));
          }
        }
      }
      return ps;
    }
    sums.reset();
    int m = data.size();
    List<SamplingProcess> ps = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      ps.add(new Row(i, noise, data, sums));
    }
    return ps;
  }

  /**
   * The guided-Γ grid (after every process is done).
   *
   * @return the grid with provenance
   */
  GuidedGamma guidedResult() {
    NoiseSchedule sched = model.context().schedule();
    int n = sched.steps();
    int[] steps = new int[n];
    for (int k = 1; k <= n; k++) {
      steps[k - 1] = k;
    }
    DataSet[] classes = guided.classes();
    double[] scales = guided.scales();
    double[][][] per = new double[classes.length][scales.length][];
    Moments.Estimate last = null;
    long rows = 0;
    for (int c = 0; c < classes.length; c++) {
      rows += classes[c].size();
      for (int i = 0; i < scales.length; i++) {
        last = guided.sums()[c][i].finish(steps, classes[c].size(), seed, classes[c].describe(), options);
        per[c][i] = last.toGamma(n, null).values();
      }
    }
    double[][][] values = per;
    if (guided.pooled()) {
      values = new double[1][scales.length][n + 1];
      for (int c = 0; c < classes.length; c++) {
        double weight = classes[c].size() / (double) rows;
        for (int i = 0; i < scales.length; i++) {
          for (int k = 0; k <= n; k++) {
            values[0][i][k] += weight * per[c][i][k];
          }
        }
      }
    }
    String type = model.spec().schedule().kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
    Provenance p = new Provenance(model.sha256(), (guided.pooled() ? "pooled over " : "per label, ") + classes.length
        + " labels: " + last.data(), (int) rows, seed, last.estimator(), Provenance.of(null, last, null).created(),
        ScheduleInfo.of(type, sched), last.rowsPerStep());
    return new GuidedGamma(scales, guided.pooled(), values, p);
  }

  /**
   * Remembers the grid written for installation.
   *
   * @param grid the grid
   */
  void written(GuidedGamma grid) {
    installedGrid = grid;
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
    if (installedGrid != null) {
      model.installGuidedGamma(installedGrid);
    }
  }

  /** One data row's walk over n = 1..N. */
  private final class Row implements SamplingProcess {
    private final int row;
    private final NoiseSource noise;
    private final DataSet data;
    private final Moments.Accumulator sums;
    private final NoiseSchedule sched = model.context().schedule();
    private EvalRequest request; // for step n, built on demand and dropped after accept
    private float[] noiseOfRequest; // the ε that made the request's x_n, [d]
    private int n = 1;

    Row(int row, NoiseSource noise, DataSet data, Moments.Accumulator sums) {
      this.row = row;
      this.noise = noise;
      this.data = data;
      this.sums = sums;
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
