package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ImperfectMeanCovariance.Head;
import dev.dpm.core.variance.ReverseVariance;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SN-DPM and NPR-DPM samplers and bound with the mixtures' closed-form heads: with the exact ε both
 * estimate the exact posterior covariance, so they sample alike; on the isotropic Gaussian that
 * covariance is Analytic-DPM's; on the ring the state-dependent covariance gives a bound no worse
 * than Analytic-DPM's.
 */
class ImperfectSamplersTest {
  static final Set<SecondHead> BOTH = Set.of(SecondHead.EPS2, SecondHead.EPSC);

  private static SamplerSettings settings(SamplerKind k, int steps) {
    return SamplerSettings.builder(k).optSteps(steps).build();
  }

  private static double maxDiff(float[][] a, float[][] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
      }
    }
    return m;
  }

  @Test
  void snAndNprSampleAlikeWithExactHeadsOnTheRing() {
    ModelContext ctx = Oracles.ringContext().withHeads(BOTH);
    for (SamplerKind[] pair : new SamplerKind[][] {
        {SamplerKind.SN_DDPM, SamplerKind.NPR_DDPM}, {SamplerKind.SN_DDIM, SamplerKind.NPR_DDIM}}) {
      float[][] sn = Oracles.run(Oracles.create(settings(pair[0], 10), ctx), Oracles.RING, 41, 300);
      float[][] npr = Oracles.run(Oracles.create(settings(pair[1], 10), ctx), Oracles.RING, 41, 300);
      assertTrue(maxDiff(sn, npr) < 1e-3, pair[0].wire() + " vs " + pair[1].wire() + ": " + maxDiff(sn, npr));
      float[][] analytic = Oracles.run(Oracles.create(settings(
          pair[0] == SamplerKind.SN_DDPM ? SamplerKind.ANALYTIC_DDPM : SamplerKind.ANALYTIC_DDIM, 10), ctx),
          Oracles.RING, 41, 300);
      assertTrue(maxDiff(sn, analytic) > 1e-2, "on the ring the covariance depends on the state");
    }
  }

  @Test
  void onTheIsotropicGaussianBothReduceToAnalytic() {
    ModelContext ctx = Oracles.gaussianContext().withHeads(BOTH);
    Map<SamplerKind, SamplerKind> same = Map.of(
        SamplerKind.SN_DDPM, SamplerKind.ANALYTIC_DDPM, SamplerKind.NPR_DDPM, SamplerKind.ANALYTIC_DDPM,
        SamplerKind.SN_DDIM, SamplerKind.ANALYTIC_DDIM, SamplerKind.NPR_DDIM, SamplerKind.ANALYTIC_DDIM);
    for (Map.Entry<SamplerKind, SamplerKind> e : same.entrySet()) {
      for (int steps : new int[] {5, 50}) {
        float[][] a = Oracles.run(Oracles.create(settings(e.getKey(), steps), ctx), Oracles.GAUSSIAN, 3, 200);
        float[][] b = Oracles.run(Oracles.create(settings(e.getValue(), steps), ctx), Oracles.GAUSSIAN, 3, 200);
        assertTrue(maxDiff(a, b) < 2e-4, e.getKey().wire() + " K=" + steps + ": " + maxDiff(a, b));
      }
    }
  }

  @Test
  void boundWithTheStateDependentCovarianceIsNoWorseOnTheRing() {
    int n = 400;
    float[][] rows = GaussianMixturePredictor.sampleData(Oracles.RING, 17, n);
    DataSet data = DataSet.ofRows(rows, new int[] {2}, DataRange.UNBOUNDED, "ring");
    ReverseVariance analytic = new ReverseVariance.Analytic(false, 0, Oracles.ringContext().gamma(),
        DataRange.UNBOUNDED);
    try (GaussianMixturePredictor p = Oracles.predictor(Oracles.RING)) {
      for (int k : new int[] {10, 50}) {
        Trajectory traj = Trajectory.even(1000, k);
        BoundResult ar = bound(p, data, traj, analytic);
        double a = ar.bitsPerDim();
        double sn = bound(p, data, traj, new ReverseVariance.Imperfect(Head.SN, false, 0, DataRange.UNBOUNDED))
            .bitsPerDim();
        BoundResult nr = bound(p, data, traj, new ReverseVariance.Imperfect(Head.NPR, false, 0, DataRange.UNBOUNDED));
        assertTrue(nr.bitsPerDim() < a, "K=" + k + ": NPR " + nr.bitsPerDim() + " vs analytic " + a);
        assertEquals(nr.bitsPerDim(), sn, 1e-4, "SN = NPR with exact heads");
        double[] gain = new double[n]; // paired: the same x_t for both methods
        double mean = 0;
        for (int i = 0; i < n; i++) {
          gain[i] = ar.perRowBitsPerDim()[i] - nr.perRowBitsPerDim()[i];
          mean += gain[i] / n;
        }
        double ss = 0;
        for (double g : gain) {
          ss += (g - mean) * (g - mean);
        }
        double se = Math.sqrt(ss / (n - 1) / n);
        assertTrue(mean > 3 * se, "K=" + k + ": the gain " + mean + " is more than 3 standard errors " + se);
      }
    }
  }

  @Test
  void boundOnTheIsotropicGaussianIsAnalytics() {
    float[][] rows = GaussianMixturePredictor.sampleData(Oracles.GAUSSIAN, 5, 200);
    DataSet data = DataSet.ofRows(rows, new int[] {2}, DataRange.UNBOUNDED, "gaussian");
    try (GaussianMixturePredictor p = Oracles.predictor(Oracles.GAUSSIAN)) {
      Trajectory traj = Trajectory.even(1000, 20);
      double a = bound(p, data, traj,
          new ReverseVariance.Analytic(false, 0, Oracles.GAMMA_GAUSSIAN, DataRange.UNBOUNDED)).bitsPerDim();
      double nr = bound(p, data, traj, new ReverseVariance.Imperfect(Head.NPR, false, 0, DataRange.UNBOUNDED))
          .bitsPerDim();
      assertEquals(a, nr, 1e-5 * Math.abs(a) + 1e-6);
    }
  }

  private static BoundResult bound(GaussianMixturePredictor p, DataSet data, Trajectory traj, ReverseVariance v) {
    return VariationalBound.evaluate(p, Oracles.LINEAR, data, new BoundSettings(traj, v, Decoder.GAUSSIAN, 9, 128),
        null);
  }

  /** The σ₂ clip of the step into x₁ bounds every σ²_j, as the official clamp(0, threshold) does. */
  @Test
  void theSigma2ClipBoundsEveryDimensionOnTheStepIntoX1() {
    ModelContext images = new ModelContext(Oracles.LINEAR, 2, DataRange.SYMMETRIC_UNIT, true, null).withHeads(BOTH);
    double bound = Math.pow(2.0 / 255.0 * Math.sqrt(Math.PI / 2.0), 2); // y = 1, the 8-bit default
    for (SamplerKind k : new SamplerKind[] {SamplerKind.SN_DDPM, SamplerKind.NPR_DDIM}) {
      Sampler s = Oracles.create(SamplerSettings.builder(k).optTrajectory(dev.dpm.core.trajectory.TrajectoryKind.EXPLICIT)
          .optTimesteps(new int[] {1, 40}).build(), images);
      assertEquals(1, s.settings().clipSigma2());
      float[] xt = {0.3f, -0.2f};
      float[] eps = {0.1f, -0.4f};
      float[] mean = new float[2];
      float[] noisy = new float[2];
      for (int pass = 0; pass < 2; pass++) { // the same step with the head at 0 (σ² = λ²) and huge (clipped)
        SamplingProcess q = s.start(new NoiseSource(2).stream(0), xt);
        float h = pass == 0 ? (k == SamplerKind.SN_DDPM ? 0.01f : 0f) : 1e6f;
        q.accept(eps, new float[] {h, h}, 0);
        System.arraycopy(q.pending().x(), 0, pass == 0 ? mean : noisy, 0, 2);
      }
      float[] z = new float[2];
      new NoiseSource(2).stream(0).nextGaussian(z);
      double lam2 = (k == SamplerKind.SN_DDPM ? 1 : 0) * Oracles.LINEAR.tildeBeta(1, 40); // η = 0 for DDIM
      for (int j = 0; j < 2; j++) {
        double mu = mean[j] - Math.sqrt(Math.min(lam2, bound)) * z[j]; // pass 0: v = 0, σ² = min(λ², bound)
        assertEquals(Math.sqrt(bound), (noisy[j] - mu) / z[j], 1e-4 * Math.sqrt(bound), k.wire() + " dim " + j);
      }
    }
  }

  @Test
  void refusedWithoutTheHeadAndAskedForEachNoisyStep() {
    SamplerResult r = dev.dpm.core.catalog.Samplers.create(settings(SamplerKind.SN_DDPM, 10),
        Oracles.gaussianContext().withHeads(Set.of(SecondHead.EPSC)));
    List<Problem> problems = ((SamplerResult.Invalid) r).problems();
    assertEquals("name", problems.get(0).field());
    assertTrue(problems.get(0).message().contains("eps2"), problems.get(0).message());
    assertTrue(Oracles.create(settings(SamplerKind.NPR_DDIM, 10),
        Oracles.gaussianContext().withHeads(Set.of(SecondHead.EPSC))) instanceof DiscreteSampler);

    Sampler s = Oracles.create(settings(SamplerKind.NPR_DDPM, 4), Oracles.gaussianContext().withHeads(BOTH));
    SamplingProcess q = s.start(new NoiseSource(1).stream(0));
    assertEquals(SecondHead.EPSC, q.pending().head());
    assertThrows(IllegalStateException.class, () -> q.accept(new float[2]), "a noisy step needs its head");
    for (int i = 0; i < 3; i++) {
      q.accept(new float[2], new float[] {0.5f, 0.5f}, 0);
    }
    assertNull(q.pending().head(), "the last, mean-only step asks for ε only");
    q.accept(new float[2]);
    assertTrue(q.isDone());
    assertThrows(IllegalArgumentException.class, () -> VariationalBound.evaluate(
        new dev.dpm.testkit.IsotropicGaussianEps(Oracles.LINEAR, 2, 0.0, 0.25), Oracles.LINEAR,
        DataSet.ofRows(new float[][] {{0f, 0f}}, new int[] {2}, DataRange.UNBOUNDED, "x"),
        new BoundSettings(Trajectory.even(1000, 5),
            new ReverseVariance.Imperfect(Head.SN, false, 0, DataRange.UNBOUNDED), Decoder.GAUSSIAN, 1, 1), null));
  }
}
