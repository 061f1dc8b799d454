package dev.dpm.core.continuous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplerSettings.SigmasKind;
import dev.dpm.testkit.GaussianOracle;
import dev.dpm.testkit.Runs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The samplers against the peers' own implementations on the Gaussian oracle (data N(0, ¼I), d = 3),
 * from the same x_T with the same noise draws: k-diffusion {@code sample_heun} (edm-heun, with churn
 * and on the VP-SDE's uniform grid), {@code sample_dpmpp_3m_sde} with η = 0 (dpm-solver-3m),
 * {@code sample_dpmpp_2m_sde} midpoint η = 1 (sde-dpm-solver-2m), {@code sample_dpmpp_2m}
 * (dpm-solver-2m on the karras grid) and diffusers {@code UniPCMultistepScheduler} bh2 (unipc,
 * orders 2 and 3). The arrays in {@code reference/samplers.txt} come from
 * {@code training/reference/make_sampler_refs.py}, which runs their code with Debian's torch in
 * float64; here the network sees float32, so the samples agree to {@value #TOL} per coordinate.
 */
class PeerReferenceTest {
  /** Per-coordinate tolerance on the final sample (float32 inputs and outputs of the oracle). */
  static final double TOL = 1e-5;
  static final int SEED = 7;

  record Case(String name, Map<String, String> settings, double[] sigmas, float[][] latents,
      Map<String, float[]> noise, double[][] samples) {}

  @Test
  void everySamplerMatchesItsPeer() throws IOException {
    List<Case> cases = read();
    assertEquals(9, cases.size());
    for (Case c : cases) {
      VpSde sde = "linear".equals(c.settings.get("sde")) ? VpSde.linear(1000) : Oracles.SDE;
      int d = c.latents[0].length;
      ModelContext ctx = new ModelContext(Oracles.SCHED, d, DataRange.UNBOUNDED, false, null);
      ContinuousSampler s = Runs.sampler(settings(c.settings), ctx, sde);
      double[] grid = s.grid();
      assertEquals(c.sigmas.length, grid.length, c.name);
      for (int i = 0; i < grid.length; i++) {
        assertEquals(c.sigmas[i], sde.sigmaTilde(grid[i]), 1e-12 * c.sigmas[i], c.name + " σ̃_" + i);
      }
      NoiseSource src = new NoiseSource(SEED);
      for (Map.Entry<String, float[]> e : c.noise.entrySet()) { // our stream reproduces the draws
        String[] key = e.getKey().split(" ");
        NoiseStream st = src.stream(Long.parseLong(key[0]));
        float[] z = new float[d];
        for (int k = 0; k <= Integer.parseInt(key[1]); k++) {
          st.nextGaussian(z);
        }
        assertArrayEquals(e.getValue(), z, 1e-6f, c.name + " noise " + e.getKey());
      }
      GaussianOracle oracle = new GaussianOracle(sde, 0.25, d);
      float[][] got = Runs.samples(Runs.fromLatents(s, oracle, c.latents, SEED, c.latents.length));
      float[][] alone = Runs.samples(Runs.fromLatents(s, oracle, c.latents, SEED, 1));
      double worst = 0;
      for (int i = 0; i < got.length; i++) {
        assertArrayEquals(got[i], alone[i], c.name + " sample " + i + ": batch-invariant");
        for (int j = 0; j < d; j++) {
          double err = Math.abs(got[i][j] - c.samples[i][j]);
          worst = Math.max(worst, err);
          assertEquals(c.samples[i][j], got[i][j], TOL, c.name + " sample " + i + "[" + j + "]");
        }
      }
      System.out.printf(Locale.ROOT, "peer reference %-34s max |Δ| %.2e%n", c.name, worst);
    }
  }

  static SamplerSettings settings(Map<String, String> m) {
    SamplerSettings.Builder b = SamplerSettings.builder(SamplerKind.parse(m.get("name")))
        .optSteps(Integer.parseInt(m.get("steps")))
        .optSigmas(SamplerSettings.parseWire(SigmasKind.class, m.get("sigmas")))
        .optDenoise(Boolean.parseBoolean(m.get("denoise")));
    if (m.containsKey("s-churn")) {
      b.optSChurn(Double.parseDouble(m.get("s-churn"))).optSTmin(Double.parseDouble(m.get("s-tmin")))
          .optSTmax(Double.parseDouble(m.get("s-tmax"))).optSNoise(Double.parseDouble(m.get("s-noise")));
    }
    if (m.containsKey("order")) {
      b.optOrder(Integer.parseInt(m.get("order")));
    }
    return b.build();
  }

  static List<Case> read() throws IOException {
    List<Case> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        PeerReferenceTest.class.getResourceAsStream("/reference/samplers.txt"), StandardCharsets.UTF_8))) {
      String name = null;
      Map<String, String> settings = new LinkedHashMap<>();
      double[] sigmas = null;
      List<float[]> latents = new ArrayList<>();
      Map<String, float[]> noise = new LinkedHashMap<>();
      List<double[]> samples = new ArrayList<>();
      for (String line; (line = r.readLine()) != null; ) {
        String[] f = line.trim().split(" ");
        switch (f[0]) {
          case "case" -> name = f[1];
          case "settings" -> {
            for (int i = 1; i < f.length; i++) {
              String[] kv = f[i].split("=", 2);
              settings.put(kv[0], kv[1]);
            }
          }
          case "sigmas" -> sigmas = doubles(f, 1);
          case "latent" -> latents.add(floats(doubles(f, 2)));
          case "noise" -> noise.put(f[1] + " " + f[2], floats(doubles(f, 3)));
          case "sample" -> samples.add(doubles(f, 2));
          case "end" -> {
            out.add(new Case(name, Map.copyOf(settings), sigmas, latents.toArray(new float[0][]),
                new LinkedHashMap<>(noise), samples.toArray(new double[0][])));
            settings.clear();
            latents.clear();
            noise.clear();
            samples.clear();
          }
          default -> assertTrue(f[0].startsWith("#") || f[0].isEmpty(), "unexpected line " + line);
        }
      }
    }
    return out;
  }

  private static double[] doubles(String[] f, int from) {
    double[] v = new double[f.length - from];
    for (int i = 0; i < v.length; i++) {
      v[i] = Double.parseDouble(f[from + i]);
    }
    return v;
  }

  private static float[] floats(double[] v) {
    float[] r = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = (float) v[i];
    }
    return r;
  }
}
