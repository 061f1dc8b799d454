package dev.dpm.server.bench.quality;

import ai.djl.Device;
import dev.dpm.core.io.DataSet;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.model.ModelKind;
import dev.dpm.core.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.TorchScriptPredictor;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.moments.Moments;
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
   * Estimates Γ by Monte Carlo on exact samples of the reference mixture (2-D models without a Γ
   * file; the cost is rows·N evaluations).
   *
   * <p>For a network this is the official estimator ({@link Moments#estimate}: the mean of
   * ‖ε_θ(x_n, n)‖²/d). For an exact oracle, whose ε* = E[ε | x_n], Γ^eps_n also equals
   * 1 − E‖ε − ε*(x_n, n)‖²/d (E‖ε‖² = E‖ε*‖² + E‖ε − ε*‖²); both means are unbiased, and at each n
   * the one with the smaller standard error is kept. The second one's error vanishes as n → N where
   * Γ → 1: in d = 2 the plain estimator's error (≈ 1/√M) would otherwise push Γ above 1 from
   * mid-range n on and trigger the optimal trajectory's bad-tail rule.
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
    float[][] x0 = GaussianMixturePredictor.sampleData(reference, seed, rows);
    double[] g = new double[schedule.steps() + 1];
    String how;
    if (spec.kind() == ModelKind.GAUSSIAN_MIXTURE) {
      int d = spec.dimension();
      NoiseSource noise = new NoiseSource(seed + 1);
      float[] eps = new float[d];
      for (int n = 1; n <= schedule.steps(); n++) {
        double sa = Math.sqrt(schedule.alphaBar(n));
        double sb = Math.sqrt(schedule.betaBar(n));
        double sumPlain = 0; // Σ_rows ‖ε*‖²/d
        double sqPlain = 0;
        double sumRes = 0; // Σ_rows ‖ε − ε*‖²/d
        double sqRes = 0;
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
          float[] out = predictor.predictEps(x, t, b);
          for (int r = 0; r < b; r++) {
            double plain = 0;
            double res = 0;
            for (int j = r * d; j < (r + 1) * d; j++) {
              double diff = e[j] - out[j];
              res += diff * diff;
              plain += (double) out[j] * out[j];
            }
            plain /= d;
            res /= d;
            sumPlain += plain;
            sqPlain += plain * plain;
            sumRes += res;
            sqRes += res * res;
          }
        }
        double mPlain = sumPlain / rows;
        double mRes = sumRes / rows;
        double varPlain = sqPlain / rows - mPlain * mPlain;
        double varRes = sqRes / rows - mRes * mRes;
        g[n] = varRes < varPlain ? 1.0 - mRes : mPlain;
      }
      how = "E‖ε*‖²/d or 1 − E‖ε − ε*‖²/d, whichever has the smaller error at each n";
    } else {
      DataSet data = DataSet.ofRows(x0, spec.sampleShape(), spec.dataRange(), referenceName + " exact samples");
      Moments.Estimate e = Moments.estimate(predictor, schedule, data, seed + 1, batch, null);
      for (int i = 0; i < e.steps().length; i++) {
        g[e.steps()[i]] = e.mean()[i];
      }
      how = "E‖ε_θ‖²/d";
    }
    return new BenchModel(spec, schedule, predictor, g,
        "estimated here (" + how + ") on " + rows + " exact samples of " + referenceName + ", seed " + seed,
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
