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
}
