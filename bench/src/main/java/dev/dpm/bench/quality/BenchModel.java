package dev.dpm.bench.quality;

import ai.djl.Device;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.runtime.model.ModelKind;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Provenance;
import dev.dpm.core.moments.ScheduleInfo;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The model under test: manifest, schedule, ε predictor, Γ and, for 2-D models, the exact data
 * distribution to measure samples against.
 *
 * @param spec the manifest
 * @param schedule the schedule
 * @param predictor the ε predictor
 * @param gamma Γ^eps[0..N], or null when the model is not calibrated
 * @param gammaSource where Γ came from (file, or an on-the-fly estimate)
 * @param sha256 the network file's SHA-256 (null for oracles)
 * @param reference the exact data distribution (oracle mixture) or null
 * @param referenceName the name of the model whose mixture is the reference, or null
 */
public record BenchModel(
    ModelSpec spec,
    NoiseSchedule schedule,
    NoisePredictor predictor,
    double[] gamma,
    String gammaSource,
    String sha256,
    MixtureSpec reference,
    String referenceName) implements AutoCloseable {

  /** @return the model's name */
  public String name() {
    return spec.name();
  }

  /**
   * Opens a model of a models folder through {@link ModelLoader} (TorchScript files are checked
   * against the manifest's SHA-256; Γ is read from the model's Γ file when present and made with
   * this network file).
   *
   * @param modelsDir the models folder
   * @param name the model's folder name
   * @param device DJL device for TorchScript (null: CPU)
   * @param referenceName the oracle whose mixture is the true data distribution (null: the model
   *     itself when it is an oracle, else the manifest's {@code oracle} field or
   *     {@code provenance.oracle} "models/NAME …")
   * @return the model (close it)
   * @throws IOException for an unknown model, a hash mismatch, an unreadable network or Γ file
   */
  public static BenchModel open(Path modelsDir, String name, Device device, String referenceName)
      throws IOException {
    LoadedModel lm = ModelLoader.load(modelsDir, name, device); // checks the network's SHA-256
    ModelSpec spec = lm.spec();
    NoiseSchedule sched = lm.schedule();
    NoisePredictor predictor = lm.predictor();
    String sha = spec.kind() == ModelKind.TORCHSCRIPT ? spec.sha256() : null;
    double[] gamma = lm.gamma();
    String gammaSource = gamma != null ? spec.gammaPath().toString() : lm.gammaNote();
    MixtureSpec ref = null;
    String refName = referenceName;
    if (refName == null) {
      if (spec.kind() == ModelKind.GAUSSIAN_MIXTURE) {
        refName = spec.name();
      } else {
        refName = oracleOf(spec);
      }
    }
    if (refName != null) {
      if (refName.equals(spec.name()) && spec.mixture() != null) {
        ref = spec.mixture();
      } else {
        Path rd = modelsDir.resolve(refName);
        if (!Files.isRegularFile(rd.resolve("model.json"))) {
          predictor.close();
          throw new IOException("reference model '" + refName + "' not found in " + modelsDir);
        }
        ModelSpec rs = ModelSpec.read(rd);
        if (rs.mixture() == null) {
          predictor.close();
          throw new IOException("reference model '" + refName + "' is not a gaussian-mixture oracle");
        }
        ref = rs.mixture();
      }
      if (ref.dimension() != spec.dimension()) {
        predictor.close();
        throw new IOException("reference '" + refName + "' has dimension " + ref.dimension()
            + ", model '" + name + "' has " + spec.dimension());
      }
    }
    return new BenchModel(spec, sched, predictor, gamma, gammaSource, sha, ref, ref == null ? null : refName);
  }

  /**
   * Estimates Γ^eps_n = E‖ε_θ(x_n, n)‖²/d by Monte Carlo on exact samples of the reference
   * mixture (2-D models; the cost is rows·N evaluations of the network and of the oracle).
   *
   * <p>Per row and n, with ε the noise that made x_n, ε_θ the model's and ε* = E[ε | x_n] the exact
   * oracle's prediction, two per-row values have mean Γ^eps_n: P = ‖ε_θ‖²/d (the official
   * estimator, {@code Moments}) and C = P − ‖ε*‖²/d + 1 − ‖ε − ε*‖²/d (a control variate:
   * E‖ε*‖² = E‖ε‖² − E‖ε − ε*‖² = d − E‖ε − ε*‖²). At each n the one with the smaller sample
   * variance is kept. In d = 2 the plain P has an error of about 1/√M, which would push Γ above 1
   * from mid-range n on (where the true Γ is within a few per cent of 1) and trigger the optimal
   * trajectory's bad-tail rule; C's error vanishes as ε_θ → ε* and as n → N. For the oracle itself
   * (ε_θ = ε*) C = 1 − ‖ε − ε*‖²/d.
   *
   * @param rows M, the data rows
   * @param seed noise seed
   * @param batch rows per evaluation
   * @return Γ with its standard errors and provenance (negative estimates at tiny n clamped to 0)
   */
  public Gamma estimateGamma(int rows, long seed, int batch) {
    if (reference == null) {
      throw new IllegalStateException("no exact data distribution to estimate Γ on");
    }
    if (rows < 2) {
      throw new IllegalArgumentException("need at least 2 rows to estimate Γ");
    }
    float[][] x0 = GaussianMixturePredictor.sampleData(reference, seed, rows);
    boolean isOracle = spec.kind() == ModelKind.GAUSSIAN_MIXTURE;
    NoisePredictor oracle = isOracle ? predictor : new GaussianMixturePredictor(reference, schedule);
    int d = spec.dimension();
    double[] g = new double[schedule.steps() + 1];
    double[] se = new double[schedule.steps() + 1];
    NoiseSource noise = new NoiseSource(seed + 1);
    float[] eps = new float[d];
    int usedControl = 0;
    for (int n = 1; n <= schedule.steps(); n++) {
      double sa = Math.sqrt(schedule.alphaBar(n));
      double sb = Math.sqrt(schedule.betaBar(n));
      double sumP = 0;
      double sqP = 0;
      double sumC = 0;
      double sqC = 0;
      for (int start = 0; start < rows; start += batch) {
        int b = Math.min(batch, rows - start);
        float[] x = new float[b * d]; // [b, d] x_n
        float[] e = new float[b * d]; // [b, d] the ε that made x_n
        double[] t = new double[b];
        for (int r = 0; r < b; r++) {
          noise.gaussian(start + r, n, eps);
          for (int j = 0; j < d; j++) {
            e[r * d + j] = eps[j];
            x[r * d + j] = (float) (sa * x0[start + r][j] + sb * eps[j]);
          }
          t[r] = n;
        }
        float[] exact = oracle.predictEps(x, t, b); // ε*, [b, d]
        float[] model = isOracle ? exact : predictor.predictEps(x, t, b); // ε_θ, [b, d]
        for (int r = 0; r < b; r++) {
          double p = 0;
          double a = 0;
          double res = 0;
          for (int j = r * d; j < (r + 1) * d; j++) {
            p += (double) model[j] * model[j];
            a += (double) exact[j] * exact[j];
            double diff = e[j] - exact[j];
            res += diff * diff;
          }
          p /= d;
          double c = p - a / d + 1.0 - res / d;
          sumP += p;
          sqP += p * p;
          sumC += c;
          sqC += c * c;
        }
      }
      double mP = sumP / rows;
      double mC = sumC / rows;
      double varP = Math.max(0, (sqP - rows * mP * mP) / (rows - 1));
      double varC = Math.max(0, (sqC - rows * mC * mC) / (rows - 1));
      if (varC < varP) {
        g[n] = Math.max(0, mC);
        se[n] = Math.sqrt(varC / rows);
        usedControl++;
      } else {
        g[n] = mP;
        se[n] = Math.sqrt(varP / rows);
      }
    }
    String what = rows + " exact samples of " + referenceName + " (control variate with the exact oracle at "
        + usedControl + " of " + schedule.steps() + " steps)";
    String type = spec.schedule().kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
    return new Gamma(g, se, Provenance.monteCarlo(sha256, what, rows, seed, ScheduleInfo.of(type, schedule)));
  }

  /**
   * {@link #estimateGamma} and this model with the estimate.
   *
   * @param rows M
   * @param seed noise seed
   * @param batch rows per evaluation
   * @return this model with Γ set
   */
  public BenchModel withEstimatedGamma(int rows, long seed, int batch) {
    Gamma g = estimateGamma(rows, seed, batch);
    return withGamma(g.values(), "estimated here on " + g.provenance().data() + ", seed " + seed);
  }

  /**
   * @param g Γ^eps[0..N]
   * @param source where it came from, for the report
   * @return this model with that Γ
   */
  public BenchModel withGamma(double[] g, String source) {
    if (g.length != schedule.steps() + 1) {
      throw new IllegalArgumentException("gamma has " + g.length + " entries, expected N+1 = " + (schedule.steps() + 1));
    }
    return new BenchModel(spec, schedule, predictor, g.clone(), source, sha256, reference, referenceName);
  }

  /** The oracle a trained 2-D model imitates, from its manifest (null if none is named). */
  static String oracleOf(ModelSpec spec) {
    String o = spec.raw().path("oracle").asText("");
    if (o.isEmpty()) {
      o = spec.raw().path("provenance").path("oracle").asText("");
    }
    if (o.isEmpty()) {
      return null;
    }
    String first = o.trim().split("\\s+")[0];
    if (first.startsWith("models/")) {
      first = first.substring("models/".length());
    }
    return first.isEmpty() ? null : first;
  }

  /**
   * @param file a file
   * @return its hex SHA-256
   * @throws IOException if unreadable
   */
  static String sha256(Path file) throws IOException {
    return ModelLoader.sha256(file);
  }

  @Override
  public void close() {
    predictor.close();
  }
}
