package dev.dpm.bench.quality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ImperfectMeanCovariance;
import dev.dpm.core.variance.ReverseVariance;
import dev.dpm.testkit.Mixtures;
import org.junit.jupiter.api.Test;

/**
 * The parts of the extended-family and NFE tables that can fail without a network: the bounds of σ² = β, NPR and SN
 * replayed from one recorded pass ({@link HeadsReplay}) equal the bounds evaluated directly on the closed-form heads
 * of the ring oracle, a replay of other inputs is caught, and the NFE probe picks the step count of a target NFE.
 */
class ExtendedTablesTest {
  static final NoiseSchedule LINEAR = NoiseSchedule.linear(1000);

  private static DataSet ringLevels(int n) {
    float[][] x = GaussianMixturePredictor.sampleData(Mixtures.RING, 3, n);
    byte[] lv = new byte[n * 2];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 2; j++) {
        lv[i * 2 + j] = (byte) Math.max(0, Math.min(255, Math.round((0.5 * x[i][j] + 1.0) * 127.5)));
      }
    }
    return DataSet.ofLevels(lv, n, new int[] {2}, DataRange.SYMMETRIC_UNIT, "quantised ring");
  }

  @Test
  void replayedBoundsEqualTheDirectOnesOnTheOraclesHeads() {
    GaussianMixturePredictor oracle = new GaussianMixturePredictor(Mixtures.RING, LINEAR);
    DataSet rows = ringLevels(40);
    Trajectory traj = Trajectory.even(1000, 10);
    ReverseVariance[] vs = {new ReverseVariance.Forward(),
        new ReverseVariance.Imperfect(ImperfectMeanCovariance.Head.NPR, false, 0.0, rows.range()),
        new ReverseVariance.Imperfect(ImperfectMeanCovariance.Head.SN, false, 0.0, rows.range())};
    HeadsReplay replay = new HeadsReplay(oracle);
    double[] values = new double[vs.length];
    for (int i = 0; i < vs.length; i++) {
      if (i > 0) {
        replay.replay();
      }
      BoundSettings bs = new BoundSettings(traj, vs[i], Decoder.DISCRETISED_8BIT, 7, 16);
      BoundResult viaReplay = VariationalBound.evaluate(replay, LINEAR, rows, bs, null);
      BoundResult direct = VariationalBound.evaluate(oracle, LINEAR, rows, bs, null);
      assertEquals(direct.bitsPerDim(), viaReplay.bitsPerDim(), 0.0, "variance " + i);
      assertArrayEquals(direct.perRowBitsPerDim(), viaReplay.perRowBitsPerDim(), 0.0);
      values[i] = viaReplay.bitsPerDim();
    }
    assertEquals(40L * 10, replay.evaluated(), "one network pass for the three bounds");
    assertNotEquals(values[0], values[1], "the variances differ");
    replay.replay();
    BoundSettings other = new BoundSettings(traj, vs[0], Decoder.DISCRETISED_8BIT, 8, 16); // other noise
    assertThrows(IllegalStateException.class, () -> VariationalBound.evaluate(replay, LINEAR, rows, other, null));
  }

  @Test
  void pairedMeanAndStandardError() {
    double[] ms = ExtendedFamilyTable.meanSe(new double[] {3, 5, 7}, new double[] {1, 2, 3});
    assertEquals(3.0, ms[0], 1e-12);
    assertEquals(1.0 / Math.sqrt(3), ms[1], 1e-12); // SD of {2, 3, 4} is 1
  }

  @Test
  void theProbeFindsTheStepsOfATargetNfe() {
    ModelContext ctx = new ModelContext(LINEAR, 4, DataRange.SYMMETRIC_UNIT, true, null);
    assertArrayEquals(new int[] {10, 10}, NfeTable.stepsFor(SamplerKind.DDIM, 10, ctx, 4));
    assertEquals(20, NfeTable.stepsFor(SamplerKind.DPM_SOLVER_3M, 20, ctx, 4)[1], "multistep: one a step (and the"
        + " final denoising one)");
    for (SamplerKind k : new SamplerKind[] {SamplerKind.ODE_HEUN, SamplerKind.EDM_HEUN, SamplerKind.SDE_PC}) {
      for (int target : new int[] {5, 10, 15}) {
        int[] st = NfeTable.stepsFor(k, target, ctx, 4);
        assertTrue(Math.abs(st[1] - target) <= 1, k.wire() + " at " + target + ": NFE " + st[1]);
        assertTrue(st[0] < target, k.wire() + " spends more than one evaluation a step");
      }
    }
  }
}
