package dev.dpm.server.bench.quality;

import ai.djl.Device;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.model.ModelKind;
import dev.dpm.core.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.TorchScriptPredictor;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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
   * Opens a model of a models folder. TorchScript files are checked against the manifest's
   * SHA-256; Γ is read from the model's Γ file when present (and ignored with a note when it was
   * estimated with another network file).
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
    Path dir = modelsDir.resolve(name);
    if (!Files.isRegularFile(dir.resolve("model.json"))) {
      throw new IOException("unknown model '" + name + "' (no " + dir.resolve("model.json") + ")");
    }
    ModelSpec spec = ModelSpec.read(dir);
    NoiseSchedule sched = spec.schedule().build(spec.dir());
    String sha = null;
    NoisePredictor predictor;
    if (spec.kind() == ModelKind.TORCHSCRIPT) {
      sha = verifyHash(spec);
      predictor = TorchScriptPredictor.open(spec, sched, device);
    } else {
      predictor = GaussianMixturePredictor.of(spec);
    }
    double[] gamma = null;
    String gammaSource = null;
    Path gp = spec.gammaPath();
    if (Files.exists(gp)) {
      Gamma g = Gamma.read(gp, sched);
      if (sha != null && g.provenance() != null && g.provenance().modelSha256() != null
          && !g.madeWithModel(sha)) {
        gammaSource = gp + " ignored: estimated with another network file";
      } else {
        gamma = g.values();
        gammaSource = gp.toString();
      }
    }
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
   * @return this model with Γ set
   */
  public BenchModel withEstimatedGamma(int rows, long seed, int batch) {
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
      if (sqC / rows - mC * mC < sqP / rows - mP * mP) {
        g[n] = mC;
        usedControl++;
      } else {
        g[n] = mP;
      }
    }
    return new BenchModel(spec, schedule, predictor, g,
        "estimated here on " + rows + " exact samples of " + referenceName + " (seed " + seed
            + "; control variate with the exact oracle at " + usedControl + " of " + schedule.steps() + " steps)",
        sha256, reference, referenceName);
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
   * Checks a TorchScript model's file against its manifest.
   *
   * @param spec the manifest
   * @return the file's hex SHA-256
   * @throws IOException if the file is missing, unhashed in the manifest, or different
   */
  static String verifyHash(ModelSpec spec) throws IOException {
    Path file = spec.dir().resolve(spec.file());
    if (!Files.isRegularFile(file)) {
      throw new IOException("model '" + spec.name() + "': network file not found: " + file);
    }
    String actual = sha256(file);
    if (spec.sha256() == null || !actual.equalsIgnoreCase(spec.sha256())) {
      throw new IOException("model '" + spec.name() + "': " + file.getFileName() + " has SHA-256 " + actual
          + " but model.json says " + spec.sha256() + "; refusing to load");
    }
    return actual;
  }

  /**
   * @param file a file
   * @return its hex SHA-256
   * @throws IOException if unreadable
   */
  static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int r = in.read(buf); r > 0; r = in.read(buf)) {
        md.update(buf, 0, r);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Override
  public void close() {
    predictor.close();
  }
}
