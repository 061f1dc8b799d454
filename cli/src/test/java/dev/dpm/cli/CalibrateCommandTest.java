package dev.dpm.cli;

import dev.dpm.runtime.model.GammaJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.runtime.io.Npy;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.schedule.NoiseSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./dpm calibrate}: Monte-Carlo Γ on exact oracle samples and on --data, with provenance. */
class CalibrateCommandTest {
  @TempDir
  Path tmp;

  @Test
  void monteCarloOnExactSamplesAgreesWithClosedForm() throws Exception {
    // gaussian oracle: the Monte-Carlo Γ must agree with the closed form within its standard error
    Path models = Cli.copyModel(tmp, "gaussian", false);
    Cli.Result r = Cli.run("calibrate", "--models", models.toString(), "--model", "gaussian",
        "--samples", "400", "--seed", "3");
    assertEquals(0, r.code(), r.toString());
    assertEquals("monte-carlo", r.json().get("estimator").asText());
    Gamma g = GammaJson.read(models.resolve("gaussian/gamma.json"));
    double[] exact = dev.dpm.core.moments.Moments.isotropicGaussian(NoiseSchedule.linear(1000), 0.25);
    int outside = 0;
    for (int n = 1; n <= 1000; n++) {
      double z = (g.get(n) - exact[n]) / g.stdError()[n];
      if (Math.abs(z) > 4) {
        outside++;
      }
    }
    assertTrue(outside <= 2, outside + " of 1000 steps beyond 4 standard errors");
    assertEquals(400, g.provenance().samples());
    assertEquals(3, g.provenance().seed());
    // the file now enables the analytic samplers
    Cli.Result plan = Cli.run("plan", "--models", models.toString(), "--model", "gaussian",
        "--sampler", "analytic-ddpm", "--steps", "10");
    assertEquals(0, plan.code(), plan.toString());
  }

  @Test
  void dataFromNpyIsDeterministic() throws Exception {
    Path models = Cli.copyModel(tmp, "gmm-ring-2d", false);
    float[][] rows = GaussianMixturePredictor.sampleData(
        dev.dpm.runtime.model.ModelSpec.read(models.resolve("gmm-ring-2d")).mixture(), 9, 50);
    float[] flat = new float[100];
    for (int i = 0; i < 50; i++) {
      System.arraycopy(rows[i], 0, flat, 2 * i, 2);
    }
    Path data = tmp.resolve("ring.npy");
    Npy.writeFloat32(data, flat, 50, 2);
    Path a = tmp.resolve("a.json");
    Path b = tmp.resolve("b.json");
    for (Path out : new Path[] {a, b}) {
      Cli.Result r = Cli.run("calibrate", "--models", models.toString(), "--model", "gmm-ring-2d",
          "--samples", "40", "--data", data.toString(), "--seed", "1", "--batch", "77", "--out", out.toString());
      assertEquals(0, r.code(), r.toString());
    }
    Gamma ga = GammaJson.read(a);
    assertArrayEquals(ga.values(), GammaJson.read(b).values());
    assertEquals(40, ga.provenance().samples());
    assertTrue(ga.provenance().data().contains("ring.npy"), ga.provenance().data());
    assertTrue(Files.exists(a));
  }

  @Test
  void rowsPerStepWithControlVariateCostsLessAndIsRecorded() throws Exception {
    Path models = Cli.copyModel(tmp, "gaussian", false);
    Cli.Result r = Cli.run("calibrate", "--models", models.toString(), "--model", "gaussian",
        "--samples", "300", "--rows-per-step", "60", "--control-variate", "--seed", "2");
    assertEquals(0, r.code(), r.toString());
    assertEquals("monte-carlo-control-variate", r.json().get("estimator").asText());
    assertEquals(60, r.json().get("rowsPerStep").asInt());
    Gamma g = GammaJson.read(models.resolve("gaussian/gamma.json"));
    assertEquals(300, g.provenance().samples());
    assertEquals(60, g.provenance().rowsPerStep());
    double[] exact = dev.dpm.core.moments.Moments.isotropicGaussian(NoiseSchedule.linear(1000), 0.25);
    int outside = 0;
    for (int n = 1; n <= 1000; n++) {
      outside += Math.abs((g.get(n) - exact[n]) / g.stdError()[n]) > 4 ? 1 : 0;
    }
    assertTrue(outside <= 2, outside + " of 1000 steps beyond 4 standard errors");
    // the control variate: at n = N the error is ~1e-4 where the plain mean of 60 rows has ~0.1
    assertEquals(exact[1000], g.get(1000), 2e-3);

    Cli.Result bad = Cli.run("calibrate", "--models", models.toString(), "--model", "gaussian",
        "--samples", "300", "--rows-per-step", "2", "--control-variate");
    assertEquals(2, bad.code(), bad.toString());
    assertTrue(bad.err().contains("--rows-per-step"), bad.err());
  }
}
