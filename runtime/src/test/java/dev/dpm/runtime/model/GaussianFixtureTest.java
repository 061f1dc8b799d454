package dev.dpm.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.PredictionType;
import dev.dpm.core.sampler.DiscreteSampler;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The 18 exact posterior-mean networks of training/fixtures/make_gaussian_fixtures.py (ε, x₀, v ×
 * linear, scaled_linear, squaredcos_cap_v2 × float32, int64 time), loaded through their
 * model.json and diffusers scheduler_config.json as a user's model is: ddpm (K = N) and ddim
 * (K = 50 on the config's timestep_spacing) sample means and stds against the script's numpy run of
 * the same sampler on the same network (M_ref = 20000) and against the sampler's exact output moments.
 *
 * <p>Tolerances: with M = 2000 samples here, a mean within 4.5·√(σ²/M + σ²/M_ref) of the numpy
 * mean and 4.5·σ/√M of the exact one; a std within 4.5·σ·√(1/2M + 1/2M_ref) (numpy) and
 * 4.5·σ/√(2M) (exact). A misread prediction type is far outside (v read as ε: std 5 instead of 0.1).
 */
class GaussianFixtureTest {
  static final int M = 2000;
  static final double Z = 4.5;

  static Path root() throws Exception {
    return Path.of(GaussianFixtureTest.class.getResource("/fixtures/gaussian").toURI());
  }

  static Stream<String> names() throws Exception {
    try (Stream<Path> s = Files.list(root())) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("names")
  void ddpmAndDdimMatchTheNumpyReference(String name) throws Exception {
    JsonNode ref = new ObjectMapper().readTree(root().resolve("reference.json").toFile());
    JsonNode mine = ref.path("fixtures").path(name);
    int mRef = ref.path("samples").asInt();
    ModelSpec spec = ModelSpec.read(root().resolve(name));
    assertEquals(name.contains("-i64") ? TimeDType.INT64 : TimeDType.FLOAT32, spec.timeDType());
    assertEquals(name.startsWith("g-eps") ? PredictionType.EPS : name.startsWith("g-x0") ? PredictionType.X0
        : PredictionType.V, spec.prediction(), "prediction from the config's prediction_type");
    try (LoadedModel lm = ModelLoader.load(spec, null)) {
      Sampler ddpm = ok(SamplerSettings.builder(SamplerKind.DDPM).optSteps(1000)
          .optTrajectory(TrajectoryKind.EVEN).build(), lm);
      Sampler ddim = ok(SamplerSettings.builder(SamplerKind.DDIM).optSteps(50).build(), lm);
      int[] want = new ObjectMapper().convertValue(mine.path("ddimTimesteps"), int[].class);
      assertArrayEquals(want, ((DiscreteSampler) ddim).trajectory().timesteps(),
          "ddim's default trajectory is the config's timestep_spacing");
      check(name, "ddpm", Driver.sample(ddpm, lm.predictor(), 11, M, M, null), mine.path("ddpm"), mRef);
      check(name, "ddim", Driver.sample(ddim, lm.predictor(), 12, M, M, null), mine.path("ddim"), mRef);
    }
  }

  static Sampler ok(SamplerSettings s, LoadedModel lm) {
    SamplerResult r = Samplers.create(s, lm.context());
    assertTrue(r instanceof SamplerResult.Ok, () -> r.toString());
    return ((SamplerResult.Ok) r).sampler();
  }

  static void check(String name, String sampler, float[][] xs, JsonNode ref, int mRef) {
    for (int j = 0; j < 2; j++) {
      double m = 0;
      for (float[] x : xs) {
        m += x[j];
      }
      m /= xs.length;
      double v = 0;
      for (float[] x : xs) {
        v += (x[j] - m) * (x[j] - m);
      }
      double sd = Math.sqrt(v / xs.length);
      double exactSd = ref.path("exactStd").get(j).asDouble();
      double refM = ref.path("mean").get(j).asDouble();
      double refSd = ref.path("std").get(j).asDouble();
      double exactM = ref.path("exactMean").get(j).asDouble();
      double s2 = exactSd * exactSd;
      System.out.printf(Locale.ROOT, "%s %s x%d: mean %.4f (numpy %.4f, exact %.4f), std %.4f (numpy %.4f, exact %.4f)%n",
          name, sampler, j, m, refM, exactM, sd, refSd, exactSd);
      String what = name + " " + sampler + " coordinate " + j;
      assertTrue(Math.abs(m - refM) < Z * Math.sqrt(s2 / M + s2 / mRef), what + " mean vs numpy");
      assertTrue(Math.abs(m - exactM) < Z * Math.sqrt(s2 / M), what + " mean vs exact");
      assertTrue(Math.abs(sd - refSd) < Z * exactSd * Math.sqrt(0.5 / M + 0.5 / mRef), what + " std vs numpy");
      assertTrue(Math.abs(sd - exactSd) < Z * exactSd * Math.sqrt(0.5 / M), what + " std vs exact");
    }
  }
}
