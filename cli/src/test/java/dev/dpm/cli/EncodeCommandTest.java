package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.io.NumericArray;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dpm encode} then {@code ./dpm sample --latents}: the round trip through the command line
 * returns the data, on the Gaussian oracle and on the TorchScript fixture.
 */
class EncodeCommandTest {
  @TempDir
  Path tmp;

  private Path oracleSamples(String model, int n) throws Exception {
    ModelSpec spec = ModelSpec.read(Cli.models().resolve(model));
    float[][] rows = GaussianMixturePredictor.sampleData(spec.mixture(), 77, n);
    float[] flat = new float[2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows[i], 0, flat, 2 * i, 2);
    }
    Path f = tmp.resolve(model + "-data.npy");
    Npy.writeFloat32(f, flat, n, 2);
    return f;
  }

  /** Encodes, decodes with sample --latents, and returns max |decoded − data|; checks --check agrees. */
  private double roundTrip(String models, String model, Path data, int n, int decodeBatch, double agree,
      String... samplerFlags) throws Exception {
    Path lat = tmp.resolve(model + "-latents.npy");
    Path back = tmp.resolve(model + "-back.npy");
    String[] enc = concat(new String[] {"encode", "--models", models, "--model", model, "--data", data.toString(),
        "--out", lat.toString(), "--batch", "50", "--check"}, samplerFlags);
    Cli.Result e = Cli.run(enc);
    assertEquals(0, e.code(), e.toString());
    JsonNode j = e.json();
    assertEquals(n, j.get("n").asInt());
    assertTrue(j.get("nfe").asDouble() > 0);
    String[] dec = concat(new String[] {"sample", "--models", models, "--model", model, "--n", Integer.toString(n),
        "--latents", lat.toString(), "--out", back.toString(), "--batch", Integer.toString(decodeBatch)}, samplerFlags);
    Cli.Result s = Cli.run(dec);
    assertEquals(0, s.code(), s.toString());
    float[] x = Npy.read(data).toFloat32();
    float[] y = Npy.read(back).toFloat32();
    NumericArray z = Npy.read(lat);
    assertEquals(n, z.dim(0));
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs((double) y[i] - x[i]));
    }
    // the in-command check decodes the same latents with the same sampler: the same numbers
    assertEquals(max, j.get("roundTrip").get("maxAbsError").asDouble(), agree, j.toString());
    return max;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void rk45RoundTripOnTheGaussianOracleIsWithinTheTolerance() throws Exception {
    int n = 200;
    double err = roundTrip(Cli.models().toString(), "gaussian", oracleSamples("gaussian", n), n, 37, 1e-12,
        "--sampler", "ode-rk45");
    // Encoder Javadoc / EncoderTest: about the tolerance (1e-5) per direction; measured 3.9e-5 on 200 samples
    assertTrue(err < 1e-4, "round-trip max error " + err);
    assertTrue(err > 0, "a round trip through two independent solves is not exact");
  }

  @Test
  void ddimRoundTripOnTheGaussianOracleIsFirstOrder() throws Exception {
    int n = 100;
    double err = roundTrip(Cli.models().toString(), "gaussian", oracleSamples("gaussian", n), n, 37,
        1e-12, "--sampler", "ddim", "--steps", "100");
    // EncoderTest: ddim 100 steps 8.6e-2 on 200 samples (O(h) per direction)
    assertTrue(err < 0.15, "round-trip max error " + err);
  }

  /**
   * The untrained fixture network makes a rough ODE (RK45 needs about 1,100 evaluations per row at
   * the default tolerances), so few rows; decoded with the same batch as the check because libtorch's
   * batched matmul is not bit-identical across batch sizes.
   */
  @Test
  void rk45RoundTripOnTheTorchScriptFixture() throws Exception {
    int n = 8;
    float[] flat = new float[2 * n];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = (float) (0.8 * Math.sin(1.3 * i + 0.4)); // inside the data range
    }
    Path data = tmp.resolve("mlp-data.npy");
    Npy.writeFloat32(data, flat, n, 2);
    double err = roundTrip(Cli.fixtures().toString(), "tiny-mlp-2d", data, n, 50, 0, "--sampler", "ode-rk45");
    assertTrue(err < 2e-2, "round-trip max error " + err);
  }
}
