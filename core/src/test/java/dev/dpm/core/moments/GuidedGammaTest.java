package dev.dpm.core.moments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.GuidedPredictor;
import dev.dpm.core.model.LabelledMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.testkit.LabelledOracles;
import org.junit.jupiter.api.Test;

/** Γ of the guided predictor on the exact conditional oracle: Monte Carlo against the closed form, and the grid. */
class GuidedGammaTest {
  private static final NoiseSchedule LINEAR = NoiseSchedule.linear(1000);
  private static final MixtureSpec PAIR = LabelledOracles.PAIR;

  /** Exact rows of component c. */
  private static DataSet component(int c, int m, long seed) {
    MixtureSpec one = new MixtureSpec(new double[] {1}, new double[][] {PAIR.means()[c]},
        new double[] {PAIR.stds()[c]});
    return DataSet.ofRows(GaussianMixturePredictor.sampleData(one, seed, m), new int[] {2}, DataRange.UNBOUNDED,
        "component " + c);
  }

  @Test
  void monteCarloGammaOfTheGuidedPredictorMatchesTheClosedForm() {
    int[] steps = {1, 20, 100, 300, 500, 700, 900, 1000};
    try (LabelledMixturePredictor p = new LabelledMixturePredictor(PAIR, LINEAR)) {
      for (int label = 0; label < 2; label++) {
        DataSet data = component(label, 4000, 3 + label);
        for (double w : new double[] {0.0, 1.0, 2.0, 3.0}) {
          GuidedPredictor g = new GuidedPredictor(p, new Condition(label, Guidance.of(w)));
          Moments.Estimate e = Moments.estimateAt(g, LINEAR, data, steps, 11, 512, null);
          for (int k = 0; k < steps.length; k++) {
            double exact = LabelledOracles.guidedGamma(PAIR, LINEAR, label, w, steps[k]);
            assertEquals(exact, e.mean()[k], 4.5 * e.stdError()[k] + 1e-6,
                "label " + label + " w=" + w + " n=" + steps[k]);
          }
        }
      }
      // the closed form is not trivially w-independent: guidance raises Γ at mid n for the minority label
      assertTrue(LabelledOracles.guidedGamma(PAIR, LINEAR, 0, 3.0, 500)
          > LabelledOracles.guidedGamma(PAIR, LINEAR, 0, 1.0, 500) + 0.01);
    }
  }

  /** Γ(w) of one estimate is a quadratic in w, so a three-point grid reproduces a direct estimate at any w. */
  @Test
  void gridInterpolationReproducesDirectEstimatesAndPoolsByClassCounts() {
    try (LabelledMixturePredictor p = new LabelledMixturePredictor(PAIR, LINEAR)) {
      DataSet[] classes = {component(0, 30, 1), component(1, 70, 2)};
      double[] grid = {0.0, 2.0, 4.0};
      GuidedGamma perLabel = GuidedMoments.estimate(p, LINEAR, classes, grid, false, 5, 256, Moments.Options.PLAIN,
          null, null, null);
      GuidedGamma pooled = GuidedMoments.estimate(p, LINEAR, classes, grid, true, 5, 256, Moments.Options.PLAIN,
          null, null, null);
      assertFalse(perLabel.pooled());
      assertEquals(2, perLabel.slots());
      for (double w : new double[] {1.0, 3.0}) {
        double[][] direct = new double[2][];
        for (int c = 0; c < 2; c++) {
          GuidedPredictor g = new GuidedPredictor(p, new Condition(c, Guidance.of(w)));
          direct[c] = Moments.estimate(g, LINEAR, classes[c], 5, 256, null).toGamma(1000, null).values();
          double[] got = perLabel.interpolate(w, c);
          for (int n = 1; n <= 1000; n += 37) {
            assertEquals(direct[c][n], got[n], 2e-5 * Math.max(1, direct[c][n]), "label " + c + " w=" + w + " n=" + n);
          }
        }
        double[] pool = pooled.interpolate(w, 1);
        for (int n = 1; n <= 1000; n += 37) {
          assertEquals(0.3 * direct[0][n] + 0.7 * direct[1][n], pool[n], 2e-5, "pooled w=" + w + " n=" + n);
        }
      }
      assertThrows(IllegalArgumentException.class, () -> perLabel.interpolate(4.5, 0));
      assertTrue(pooled.provenance().data().startsWith("pooled over 2 labels"));
    }
  }

  /**
   * The grid is estimated from one pair of network rows per sample row (ε(x, c) and ε(x, ∅) side by side), and each
   * w's Γ is bit for bit the estimate of a lone GuidedPredictor at that w; the pooled w = 0 slice is the
   * unconditional Γ, with the pooled standard error.
   */
  @Test
  void oneEvaluationPairPerRowGivesEveryWOfTheGridExactly() {
    try (LabelledMixturePredictor p = new LabelledMixturePredictor(PAIR, LINEAR)) {
      DataSet[] classes = {component(0, 12, 1), component(1, 28, 2)};
      double[] grid = {0.0, 1.0, 2.5};
      Moments.Options opt = new Moments.Options(8, false);
      long[] rows = {0};
      GuidedMoments.Result r = GuidedMoments.estimateAll(p, LINEAR, classes, grid, true, 9, 64, opt, null, null,
          k -> rows[0] = k);
      assertEquals(2, GuidedMoments.rowsPerSample(grid));
      assertEquals(1, GuidedMoments.rowsPerSample(new double[] {0.0}));
      assertEquals(1, GuidedMoments.rowsPerSample(new double[] {1.0}));
      assertEquals(2L * (8 + 8) * 1000, GuidedMoments.evaluations(classes, grid, 1000, opt));
      assertEquals(GuidedMoments.evaluations(classes, grid, 1000, opt), rows[0], "progress ends at the total");
      GuidedGamma perLabel = GuidedMoments.estimate(p, LINEAR, classes, grid, false, 9, 64, opt, null, null, null);
      double[] uncond = new double[1001];
      double[] se2 = new double[1001];
      for (int c = 0; c < 2; c++) {
        for (int i = 0; i < grid.length; i++) {
          GuidedPredictor g = new GuidedPredictor(p, new Condition(c, Guidance.of(grid[i])));
          Gamma lone = Moments.estimate(g, LINEAR, classes[c], 9, 64, opt, null).toGamma(1000, null);
          org.junit.jupiter.api.Assertions.assertArrayEquals(lone.values(), perLabel.at(c, i),
              "label " + c + " w=" + grid[i]);
          if (i == 0) {
            double weight = classes[c].size() / 40.0;
            for (int n = 0; n <= 1000; n++) {
              uncond[n] += weight * lone.values()[n];
              se2[n] += Math.pow(weight * lone.stdError()[n], 2);
            }
          }
        }
      }
      for (int n = 1; n <= 1000; n += 111) {
        assertEquals(uncond[n], r.unconditional().get(n), 1e-15, "w = 0 slice at n=" + n);
        assertEquals(Math.sqrt(se2[n]), r.unconditional().stdError()[n], 1e-15, "pooled SE at n=" + n);
        assertEquals(r.grid().at(0, 0)[n], r.unconditional().get(n), 0.0);
      }
      assertTrue(r.unconditional().provenance().data().startsWith("the w = 0 slice"));
      assertEquals(null, GuidedMoments.estimateAll(p, LINEAR, classes, new double[] {1.0, 2.0}, true, 9, 64, opt,
          null, null, null).unconditional(), "no w = 0 on the grid: no unconditional Γ");
    }
  }
}
