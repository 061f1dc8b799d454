package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.io.NumericArray;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./dpm nll}: the variational bound through the command line, continuous and 8-bit data. */
class NllCommandTest {
  @TempDir
  Path tmp;

  private Path exactGaussianSamples(int n) throws Exception {
    ModelSpec spec = ModelSpec.read(Cli.models().resolve("gaussian"));
    float[][] rows = GaussianMixturePredictor.sampleData(spec.mixture(), 123, n);
    float[] flat = new float[2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(rows[i], 0, flat, 2 * i, 2);
    }
    Path f = tmp.resolve("gauss.npy");
    Npy.writeFloat32(f, flat, n, 2);
    return f;
  }

  private JsonNode nll(String data, String... sampler) {
    String[] base = {"nll", "--models", Cli.models().toString(), "--model", "gaussian", "--data", data,
        "--steps", "10", "--seed", "5"};
    String[] args = java.util.Arrays.copyOf(base, base.length + sampler.length);
    System.arraycopy(sampler, 0, args, base.length, sampler.length);
    Cli.Result r = Cli.run(args);
    assertEquals(0, r.code(), r.toString());
    return r.json();
  }

  @Test
  void analyticBeatsFixedVariancesAtTenStepsOnTheGaussianOracle() throws Exception {
    String data = exactGaussianSamples(300).toString();
    JsonNode analytic = nll(data, "--sampler", "analytic-ddpm");
    JsonNode posterior = nll(data, "--sampler", "ddpm");
    JsonNode forward = nll(data, "--sampler", "ddpm", "--variance", "forward");
    assertEquals(300, analytic.get("n").asInt());
    assertEquals(9, analytic.get("steps").size());
    assertEquals("gaussian", analytic.get("decoder").asText());
    assertTrue(analytic.has("natsPerDim"));
    // bits = nats / ln 2
    assertEquals(analytic.get("natsPerDim").asDouble() / Math.log(2), analytic.get("bitsPerDim").asDouble(), 1e-12);
    // the terms add up to the bound
    double sum = analytic.get("priorBitsPerDim").asDouble() + analytic.get("klBitsPerDim").asDouble()
        + analytic.get("decoderBitsPerDim").asDouble();
    assertEquals(analytic.get("bitsPerDim").asDouble(), sum, 1e-9);
    // same seed, same x_t: paired comparison; the gaps are many standard errors wide
    double a = analytic.get("bitsPerDim").asDouble();
    assertTrue(a + 5 * posterior.get("stdError").asDouble() < posterior.get("bitsPerDim").asDouble(), posterior.toString());
    assertTrue(a < forward.get("bitsPerDim").asDouble(), forward.toString());
    // a bound on -log density: above the exact mean NLL of N(0, 0.25 I), 0.7258 nats/dim, less MC slack
    assertTrue(analytic.get("natsPerDim").asDouble() > 0.7258 - 4 * analytic.get("stdError").asDouble() * Math.log(2));
  }

  /** The oracle carries both heads: on the isotropic Gaussian the SN/NPR bound is Analytic-DPM's. */
  @Test
  void snAndNprBoundsEqualAnalyticOnTheGaussianOracle() throws Exception {
    String data = exactGaussianSamples(100).toString();
    double analytic = nll(data, "--sampler", "analytic-ddpm").get("bitsPerDim").asDouble();
    JsonNode npr = nll(data, "--sampler", "npr-ddpm");
    JsonNode sn = nll(data, "--sampler", "sn-ddpm");
    assertEquals("npr-ddpm", npr.get("sampler").get("name").asText());
    assertEquals(analytic, npr.get("bitsPerDim").asDouble(), 1e-4, npr.toString());
    assertEquals(analytic, sn.get("bitsPerDim").asDouble(), 1e-4, sn.toString());
    Cli.Result r = Cli.run("nll", "--models", Cli.fixtures().toString(), "--model", "tiny-mlp-2d", "--data", data,
        "--sampler", "npr-ddpm", "--steps", "10");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("epsc"), r.err());
  }

  @Test
  void eightBitModelsUseTheDiscretisedDecoder() throws Exception {
    int n = 3;
    byte[] levels = new byte[n * 784];
    for (int i = 0; i < levels.length; i++) {
      levels[i] = (byte) ((i * 37) % 256);
    }
    Path data = tmp.resolve("img.npy");
    Npy.write(data, NumericArray.ofUint8(levels, n, 28, 28));
    Cli.Result r = Cli.run("nll", "--models", Cli.fixtures().toString(), "--model", "tiny-conv", "--data",
        data.toString(), "--sampler", "ddpm", "--steps", "4", "--limit", "2");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = r.json();
    assertEquals(2, j.get("n").asInt());
    assertEquals("discretised-8bit", j.get("decoder").asText());
    assertFalse(j.has("natsPerDim"));
    assertTrue(j.get("bitsPerDim").asDouble() > 0 && Double.isFinite(j.get("bitsPerDim").asDouble()));
  }

  @Test
  void ddimHasNoBound() throws Exception {
    Cli.Result r = Cli.run("nll", "--models", Cli.models().toString(), "--model", "gaussian", "--data",
        exactGaussianSamples(10).toString(), "--sampler", "ddim", "--steps", "10");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("--sampler"), r.err());
  }

  @Test
  void odeLikelihoodOfExactGaussianSamplesIsTheirExactNll() throws Exception {
    int n = 2000;
    Path f = exactGaussianSamples(n);
    float[] x = Npy.read(f).toFloat32();
    // exact mean −log N(x; 0, 0.25 I)/d over these samples (≈ 0.7258 nats/dim in expectation)
    double var = 0.25;
    double sum = 0;
    for (float v : x) {
      sum += 0.5 * Math.log(2 * Math.PI * var) + v * (double) v / (2 * var);
    }
    double exact = sum / x.length;
    Cli.Result r = Cli.run("nll", "--models", Cli.models().toString(), "--model", "gaussian", "--method", "ode",
        "--data", f.toString(), "--batch", "500");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = r.json();
    assertEquals(n, j.get("n").asInt());
    assertEquals("exact", j.get("trace").asText()); // d = 2 ≤ 16
    double nats = j.get("natsPerDim").asDouble();
    assertEquals(exact, nats, 0.01 * exact, j.toString());
    assertEquals(exact, nats, 1e-3, j.toString()); // in fact much closer (OdeLikelihoodTest: 1e-5 relative)
    assertEquals(nats / Math.log(2), j.get("bitsPerDim").asDouble(), 1e-12);
    assertTrue(j.get("meanNfe").asDouble() > 0);
    assertTrue(j.get("stdError").asDouble() > 0);
  }

  @Test
  void odeLikelihoodWithHutchinsonProbesIsUnbiased() throws Exception {
    Path f = exactGaussianSamples(300);
    Cli.Result exact = Cli.run("nll", "--models", Cli.models().toString(), "--model", "gaussian", "--method", "ode",
        "--data", f.toString(), "--rtol", "1e-4", "--atol", "1e-4");
    Cli.Result probes = Cli.run("nll", "--models", Cli.models().toString(), "--model", "gaussian", "--method", "ode",
        "--data", f.toString(), "--rtol", "1e-4", "--atol", "1e-4", "--probes", "1");
    assertEquals(0, exact.code(), exact.toString());
    assertEquals(0, probes.code(), probes.toString());
    assertEquals(1, probes.json().get("probes").asInt());
    assertEquals(0, exact.json().get("probes").asInt());
    // on the isotropic Gaussian ε is linear with J = c(t)·I, so a Rademacher probe gives vᵀJv = c·d exactly
    assertEquals(exact.json().get("natsPerDim").asDouble(), probes.json().get("natsPerDim").asDouble(), 1e-3);
  }
}
