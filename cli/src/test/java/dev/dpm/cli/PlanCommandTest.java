package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dpm plan} on the {@code gaussian} oracle reproduces the reference's unit-test vector
 * (analytic-dpm.md §7) to 1e-6 relative, with the committed, exact {@code models/gaussian/gamma.json}.
 */
class PlanCommandTest {

  static JsonNode step(JsonNode plan, int from, int to) {
    for (JsonNode s : plan.get("steps")) {
      if (s.get("from").asInt() == from && s.get("to").asInt() == to) {
        return s;
      }
    }
    throw new AssertionError("no step " + from + " -> " + to + " in " + plan);
  }

  static void assertRel(double expected, double actual, double rel) {
    assertTrue(Math.abs(actual - expected) <= rel * Math.abs(expected),
        "expected " + expected + " within " + rel + " relative, got " + actual);
  }

  @Test
  void analyticDdpmReproducesTheReferenceVector() {
    Cli.Result r = Cli.run("plan", "--models", Cli.models().toString(), "--model", "gaussian",
        "--sampler", "analytic-ddpm", "--steps", "10");
    assertEquals(0, r.code(), r.toString());
    JsonNode plan = r.json();
    JsonNode ts = plan.get("timesteps");
    assertEquals(10, ts.size());
    int[] expected = {1, 112, 223, 334, 445, 556, 667, 778, 889, 1000};
    for (int i = 0; i < 10; i++) {
      assertEquals(expected[i], ts.get(i).asInt());
    }
    JsonNode steps = plan.get("steps");
    assertEquals(10, steps.size());
    assertEquals(1000, steps.get(0).get("from").asInt()); // sampling order
    assertEquals(0, steps.get(9).get("to").asInt());
    assertRel(9.160883e-2, step(plan, 112, 1).get("sigma2").asDouble(), 1e-6);
    assertRel(8.795933e-1, step(plan, 1000, 889).get("sigma2").asDouble(), 1e-6);
    // Γ is reported per step, λ² is the DDPM posterior variance
    assertTrue(step(plan, 1000, 889).get("gamma").isNumber());
    assertTrue(step(plan, 1000, 889).get("lambda2").asDouble() < step(plan, 1000, 889).get("sigma2").asDouble());
  }

  @Test
  void analyticDdimEtaZeroReproducesTheReferenceVector() {
    Cli.Result r = Cli.run("plan", "--models", Cli.models().toString(), "--model", "gaussian",
        "--sampler", "analytic-ddim", "--steps", "10", "--eta", "0");
    assertEquals(0, r.code(), r.toString());
    assertRel(8.688042e-2, step(r.json(), 112, 1).get("sigma2").asDouble(), 1e-6);
    assertEquals(0.0, step(r.json(), 112, 1).get("lambda2").asDouble());
  }

  @Test
  void exactCalibrationGivesTheSameVector(@TempDir Path tmp) throws Exception {
    Path models = Cli.copyModel(tmp, "gaussian", false);
    Cli.Result missing = Cli.run("plan", "--models", models.toString(), "--model", "gaussian",
        "--sampler", "analytic-ddpm", "--steps", "10");
    assertEquals(2, missing.code(), missing.toString());
    Cli.Result cal = Cli.run("calibrate", "--models", models.toString(), "--model", "gaussian", "--exact");
    assertEquals(0, cal.code(), cal.toString());
    assertEquals("closed-form", cal.json().get("estimator").asText());
    Cli.Result r = Cli.run("plan", "--models", models.toString(), "--model", "gaussian",
        "--sampler", "analytic-ddpm", "--steps", "10");
    assertEquals(0, r.code(), r.toString());
    assertRel(9.160883e-2, step(r.json(), 112, 1).get("sigma2").asDouble(), 1e-6);
    assertRel(8.795933e-1, step(r.json(), 1000, 889).get("sigma2").asDouble(), 1e-6);
  }

  @Test
  void fixedVariancePlansNeedNoGamma() {
    Cli.Result r = Cli.run("plan", "--models", Cli.models().toString(), "--model", "gmm-ring-2d",
        "--sampler", "ddpm", "--steps", "25", "--variance", "forward", "--trajectory", "quadratic");
    assertEquals(0, r.code(), r.toString());
    JsonNode plan = r.json();
    assertEquals(25, plan.get("timesteps").size());
    assertEquals("forward", plan.get("sampler").get("variance").asText());
    assertEquals("quadratic", plan.get("sampler").get("trajectory").asText());
    // forward variance β_{t|s} exceeds the posterior λ² = β̃_{s|t} on every step but the last
    JsonNode first = plan.get("steps").get(0);
    assertTrue(first.get("sigma2").asDouble() > first.get("lambda2").asDouble());
  }
}
