package dev.dpm.core.likelihood;

import dev.dpm.testkit.IsotropicGaussianEps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.core.variance.ReverseVariance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VariationalBoundTest {
  static final double LN2 = Math.log(2);

  /** A predictor whose x̂₀ is the constant c whatever x_t: ε = (x − √ᾱ_t c)/√β̄_t. */
  static NoisePredictor constantDenoiser(NoiseSchedule sched, int d, double c) {
    return new NoisePredictor() {
      @Override
      public float[] predictEps(float[] x, double[] time, int batch) {
        float[] out = new float[batch * d];
        for (int r = 0; r < batch; r++) {
          int n = (int) time[r];
          for (int j = 0; j < d; j++) {
            out[r * d + j] = (float) ((x[r * d + j] - Math.sqrt(sched.alphaBar(n)) * c) / Math.sqrt(sched.betaBar(n)));
          }
        }
        return out;
      }

      @Override
      public int dimension() {
        return d;
      }

      @Override
      public void close() {}
    };
  }

  /** n rows of N(0, s²) quantised to 8-bit levels of [−1, 1]. */
  static DataSet quantisedGaussian(int n, int d, double s, long seed) {
    byte[] lv = new byte[n * d];
    float[] z = new float[d];
    NoiseSource src = new NoiseSource(seed);
    for (int i = 0; i < n; i++) {
      src.gaussian(i, 0, z);
      for (int j = 0; j < d; j++) {
        long u = Math.round((s * z[j] + 1.0) * 127.5);
        lv[i * d + j] = (byte) Math.max(0, Math.min(255, u));
      }
    }
    return DataSet.ofLevels(lv, n, new int[] {d}, DataRange.SYMMETRIC_UNIT, "quantised N(0," + s + "^2)");
  }

  static double phi(double z) {
    return 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
  }

  @Test
  void oneCoordinateTwoStepBoundMatchesHandComputation() {
    // β = (0.1, 0.2, 0.3), trajectory {1, 3}, one coordinate at level 200, x̂₀ ≡ 0.3
    NoiseSchedule sched = NoiseSchedule.ofBetas(new double[] {0.1, 0.2, 0.3});
    double ab1 = 0.9;
    double ab3 = 0.9 * 0.8 * 0.7;
    double x0 = 2.0 * 200 / 255 - 1;
    double c = 0.3;
    double[] gamma = {0, 0.2, 0.5, 0.9};
    // prior: KL(N(√ᾱ₃x₀, β̄₃) ‖ N(0, 1))
    double prior = 0.5 * ((1 - ab3) + ab3 * x0 * x0 - 1 - Math.log(1 - ab3));
    // step 3 → 1: β_{3|1} = 1 − ᾱ₃/ᾱ₁, q variance β̃ = β̄₁β_{3|1}/β̄₃, mean gap √ᾱ₁β_{3|1}/β̄₃·(x₀ − c)
    double skip = 1 - ab3 / ab1;
    double vq = (1 - ab1) * skip / (1 - ab3);
    double gap = Math.sqrt(ab1) * skip / (1 - ab3) * (x0 - c);
    double v = Math.min(1, (1 - ab3) / ab3 * (1 - gamma[3]));
    double vAnalytic = vq + ab1 * skip * skip / ((1 - ab3) * (1 - ab3)) * v;
    double kl = 0.5 * (vq / vAnalytic + gap * gap / vAnalytic + Math.log(vAnalytic / vq) - 1);
    // decoder: N(c, β̃_{1|2} = β̄₁β₂/β̄₂) on the bin x₀ ± 1/255
    double sd = Math.sqrt(0.1 * 0.2 / (1 - 0.9 * 0.8));
    double dec = -Math.log(phi((x0 - c + 1 / 255.0) / sd) - phi((x0 - c - 1 / 255.0) / sd));
    double hand = (prior + kl + dec) / LN2;
    assertEquals(7.7397091025249, hand, 1e-12, "the same number computed in Python");

    DataSet one = DataSet.ofLevels(new byte[] {(byte) 200}, 1, new int[] {1}, DataRange.SYMMETRIC_UNIT, "one");
    Trajectory traj = Trajectory.explicit(new int[] {1, 3}, 3);
    BoundResult r = VariationalBound.evaluate(constantDenoiser(sched, 1, c), sched, one,
        BoundSettings.eightBit(traj, new ReverseVariance.Analytic(false, 0, gamma, DataRange.SYMMETRIC_UNIT), 5, 4),
        null);
    assertEquals(hand, r.bitsPerDim(), 1e-6 * hand);
    assertEquals(prior / LN2, r.priorBitsPerDim(), 1e-12);
    assertEquals(kl / LN2, r.klBitsPerDim(), 1e-6);
    assertEquals(dec / LN2, r.decoderBitsPerDim(), 1e-6);
    assertEquals(1, r.steps().size());
    assertEquals(3, r.steps().get(0).from());
    assertEquals(1, r.steps().get(0).to());

    BoundResult post = VariationalBound.evaluate(constantDenoiser(sched, 1, c), sched, one,
        BoundSettings.eightBit(traj, new ReverseVariance.Posterior(), 5, 4), null);
    assertEquals(7.821708344394575, post.bitsPerDim(), 1e-6 * 7.8);
    BoundResult fwd = VariationalBound.evaluate(constantDenoiser(sched, 1, c), sched, one,
        BoundSettings.eightBit(traj, new ReverseVariance.Forward(), 5, 4), null);
    assertEquals(8.069166936645388, fwd.bitsPerDim(), 1e-6 * 8.1);
  }

  @Test
  void priorTermEqualsItsClosedForm() {
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    // levels 0 and 255 are x₀ = ∓1: KL = ½(β̄ + ᾱ − 1 − ln β̄) = −½ ln(1 − ᾱ_N) ≈ ½ᾱ_N = 2.018e-5 nats
    DataSet edges = DataSet.ofLevels(new byte[] {0, (byte) 255, (byte) 128}, 1, new int[] {3},
        DataRange.SYMMETRIC_UNIT, "edges");
    BoundResult r = VariationalBound.evaluate(constantDenoiser(sched, 3, 0), sched, edges,
        BoundSettings.eightBit(Trajectory.even(1000, 10), new ReverseVariance.Posterior(), 1, 8), null);
    double ab = sched.alphaBar(1000);
    double bb = sched.betaBar(1000);
    double mid = 2.0 * 128 / 255 - 1;
    double expected = (2 * 0.5 * (bb + ab - 1 - Math.log(bb)) + 0.5 * (bb + ab * mid * mid - 1 - Math.log(bb))) / 3 / LN2;
    assertEquals(expected, r.priorBitsPerDim(), 1e-9 * expected);
    assertEquals(2.018e-5, 0.5 * (bb + ab - 1 - Math.log(bb)), 2e-8);
    assertTrue(r.priorBitsPerDim() < 2.0e-5 / LN2 * 1.01);
  }

  @Test
  void analyticBeatsBothFixedVariancesAtFewStepsAndAllAgreeAtFullSteps() {
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    int d = 8;
    double s = 0.1;
    DataSet data = quantisedGaussian(400, d, s, 3);
    NoisePredictor exact = new IsotropicGaussianEps(sched, d, 0.0, s * s);
    double[] gamma = Moments.isotropicGaussian(sched, s * s);
    ReverseVariance analytic = new ReverseVariance.Analytic(false, 0, gamma, DataRange.SYMMETRIC_UNIT);

    Trajectory k10 = Trajectory.even(1000, 10);
    List<Long> ticks = new ArrayList<>();
    BoundResult an = VariationalBound.evaluate(exact, sched, data, BoundSettings.eightBit(k10, analytic, 0, 64), ticks::add);
    BoundResult post = VariationalBound.evaluate(exact, sched, data,
        BoundSettings.eightBit(k10, new ReverseVariance.Posterior(), 0, 64), null);
    BoundResult fwd = VariationalBound.evaluate(exact, sched, data,
        BoundSettings.eightBit(k10, new ReverseVariance.Forward(), 0, 64), null);
    assertEquals(VariationalBound.evaluations(400, 10), ticks.get(ticks.size() - 1));
    for (BoundResult r : List.of(an, post, fwd)) {
      for (BoundResult.StepTerm t : r.steps()) {
        assertTrue(t.bitsPerDim() >= 0, "KL term " + t + " must be >= 0");
      }
      assertEquals(r.priorBitsPerDim() + r.klBitsPerDim() + r.decoderBitsPerDim(), r.bitsPerDim(), 1e-9);
      assertEquals(400, r.n());
    }
    // the decoder and the prior do not depend on the variance rule; same seed → same x_t
    assertEquals(an.decoderBitsPerDim(), post.decoderBitsPerDim(), 0.0);
    assertTrue(post.bitsPerDim() - an.bitsPerDim() > 2.0, "posterior far worse at K=10");
    assertTrue(fwd.bitsPerDim() - an.bitsPerDim() > 10 * Math.hypot(an.stdError(), fwd.stdError()),
        "forward clearly worse at K=10");
    // paired: analytic beats forward on most rows
    int better = 0;
    for (int i = 0; i < 400; i++) {
      better += an.perRowBitsPerDim()[i] < fwd.perRowBitsPerDim()[i] ? 1 : 0;
    }
    assertTrue(better > 300, "analytic better on " + better + "/400 rows");

    DataSet few = data.head(100);
    Trajectory full = Trajectory.even(1000, 1000);
    BoundResult anF = VariationalBound.evaluate(exact, sched, few, BoundSettings.eightBit(full, analytic, 0, 100), null);
    BoundResult postF = VariationalBound.evaluate(exact, sched, few,
        BoundSettings.eightBit(full, new ReverseVariance.Posterior(), 0, 100), null);
    BoundResult fwdF = VariationalBound.evaluate(exact, sched, few,
        BoundSettings.eightBit(full, new ReverseVariance.Forward(), 0, 100), null);
    // at K = N the three are close (the gaps shrink by orders of magnitude); the posterior variance
    // still pays ~0.5 bits/dim on this narrow toy, all of it in the first few steps, where
    // Var(x₀|x_n) is set by the noise rather than by the data (σ*² ≈ 2.2 β̃ at n = 2)
    assertTrue(postF.bitsPerDim() - anF.bitsPerDim() < 0.02 * (post.bitsPerDim() - an.bitsPerDim()));
    assertTrue(fwdF.bitsPerDim() - anF.bitsPerDim() < 0.1 * (fwd.bitsPerDim() - an.bitsPerDim()));
    assertTrue(Math.abs(fwdF.bitsPerDim() - anF.bitsPerDim()) < 0.05);
    assertTrue(anF.bitsPerDim() < postF.bitsPerDim() && anF.bitsPerDim() < fwdF.bitsPerDim());
    assertTrue(an.bitsPerDim() > anF.bitsPerDim(), "more steps tighten the bound");
  }

  @Test
  void anyTrajectoryGivesOneKlTermPerStepInSamplingOrder() {
    // the optimal trajectory is not on this branch yet: an explicit, uneven one stands in for it
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    DataSet data = quantisedGaussian(50, 4, 0.1, 4);
    NoisePredictor exact = new IsotropicGaussianEps(sched, 4, 0.0, 0.01);
    Trajectory traj = Trajectory.explicit(new int[] {1, 3, 7, 15, 30, 60, 120, 250, 500, 1000}, 1000);
    BoundResult r = VariationalBound.evaluate(exact, sched, data, BoundSettings.eightBit(traj,
        new ReverseVariance.Analytic(false, 0, Moments.isotropicGaussian(sched, 0.01), DataRange.SYMMETRIC_UNIT),
        0, 16), null);
    List<Trajectory.Step> steps = traj.steps();
    assertEquals(9, r.steps().size());
    double sum = 0;
    for (int k = 0; k < 9; k++) {
      assertEquals(steps.get(k).from(), r.steps().get(k).from());
      assertEquals(steps.get(k).to(), r.steps().get(k).to());
      assertTrue(r.steps().get(k).bitsPerDim() >= 0);
      sum += r.steps().get(k).bitsPerDim();
    }
    assertEquals(r.klBitsPerDim(), sum, 1e-12);
  }

  @Test
  void resultDoesNotDependOnBatchSize() {
    NoiseSchedule sched = NoiseSchedule.linear(100);
    DataSet data = quantisedGaussian(23, 4, 0.2, 8);
    NoisePredictor exact = new IsotropicGaussianEps(sched, 4, 0.0, 0.04);
    Trajectory traj = Trajectory.even(100, 7);
    BoundResult a = VariationalBound.evaluate(exact, sched, data,
        BoundSettings.eightBit(traj, new ReverseVariance.Forward(), 9, 5), null);
    BoundResult b = VariationalBound.evaluate(exact, sched, data,
        BoundSettings.eightBit(traj, new ReverseVariance.Forward(), 9, 64), null);
    assertArrayEquals(a.perRowBitsPerDim(), b.perRowBitsPerDim(), 0.0);
    BoundResult c = VariationalBound.evaluate(exact, sched, data,
        BoundSettings.eightBit(traj, new ReverseVariance.Forward(), 10, 64), null);
    assertTrue(c.perRowBitsPerDim()[0] != a.perRowBitsPerDim()[0], "another seed gives other noise");
  }

  @Test
  void gaussianDecoderOnContinuousDataBoundsTheTrueNll() {
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    int d = 2;
    double s2 = 0.25;
    float[] v = new float[300 * d];
    float[] z = new float[d];
    NoiseSource src = new NoiseSource(77);
    double trueNll = 0; // −log N(x; 0, s²I) per coordinate, averaged
    for (int i = 0; i < 300; i++) {
      src.gaussian(i, 0, z);
      for (int j = 0; j < d; j++) {
        v[i * d + j] = (float) (Math.sqrt(s2) * z[j]);
        trueNll += 0.5 * Math.log(2 * Math.PI * s2) + 0.5 * v[i * d + j] * v[i * d + j] / s2;
      }
    }
    trueNll /= 300 * d;
    DataSet data = DataSet.ofValues(v, 300, new int[] {d}, DataRange.UNBOUNDED, "N(0, 0.25 I)");
    NoisePredictor exact = new IsotropicGaussianEps(sched, d, 0.0, s2);
    ReverseVariance analytic = new ReverseVariance.Analytic(false, 0, Moments.isotropicGaussian(sched, s2),
        DataRange.UNBOUNDED);
    BoundResult r = VariationalBound.evaluate(exact, sched, data,
        new BoundSettings(Trajectory.even(1000, 100), analytic, Decoder.GAUSSIAN, 0, 128), null);
    // for Gaussian data every reverse conditional q(x_s | x_t) is Gaussian with the mean and variance the exact
    // model and Analytic-DPM give, so the bound is the true NLL up to Monte Carlo noise (and the ~1e-5 prior term)
    // compare row by row: the bound of each row minus its true NLL (both per coordinate, in nats)
    double[] rows = r.perRowBitsPerDim();
    assertEquals(300, rows.length);
    double sum = 0;
    double sum2 = 0;
    for (int i = 0; i < 300; i++) {
      double nll = 0;
      for (int j = 0; j < d; j++) {
        nll += 0.5 * Math.log(2 * Math.PI * s2) + 0.5 * v[i * d + j] * v[i * d + j] / s2;
      }
      double gap = rows[i] * Math.log(2) - nll / d;
      sum += gap;
      sum2 += gap * gap;
    }
    double gap = sum / 300;
    double se = Math.sqrt((sum2 / 300 - gap * gap) / 299);
    assertEquals(trueNll, r.natsPerDim(), 1e-9 + Math.abs(gap) + 1e-12, "the mean of the rows is the bound");
    assertTrue(gap >= -4 * se, "a bound: gap " + gap + " ± " + se + " nats/dim");
    assertTrue(gap <= 4 * se + 0.01, "tight for the exact Gaussian model: gap " + gap + " ± " + se);
  }

  @Test
  void analyticKlTermsOfAnExactGaussianModelMatchTheirExpectation() {
    // for x₀ ~ N(0, s²I) and the exact model, p(x_s|x_t) = q(x_s|x_t) = N(μ*, σ*²) with
    // σ*² = β̃ + c²v_t and E(μ̃ − μ*)² = c²v_t, so E KL = ½ ln(σ*²/β̃) per coordinate
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    int d = 2;
    int n = 2000;
    double s2 = 0.25;
    float[] v = new float[n * d];
    float[] z = new float[d];
    NoiseSource src = new NoiseSource(123);
    for (int i = 0; i < n; i++) {
      src.gaussian(i, 0, z);
      for (int j = 0; j < d; j++) {
        v[i * d + j] = (float) (Math.sqrt(s2) * z[j]);
      }
    }
    DataSet data = DataSet.ofValues(v, n, new int[] {d}, DataRange.UNBOUNDED, "N(0, 0.25 I)");
    ReverseVariance analytic = new ReverseVariance.Analytic(false, 0, Moments.isotropicGaussian(sched, s2),
        DataRange.UNBOUNDED);
    BoundResult r = VariationalBound.evaluate(new IsotropicGaussianEps(sched, d, 0.0, s2), sched, data,
        new BoundSettings(Trajectory.even(1000, 10), analytic, Decoder.GAUSSIAN, 1, 256), null);
    for (BoundResult.StepTerm t : r.steps()) {
      double expected = 0.5 * Math.log(analytic.sigma2(sched, t.to(), t.from()) / sched.tildeBeta(t.to(), t.from())) / LN2;
      assertEquals(expected, t.bitsPerDim(), 4 * t.stdError(), "step " + t);
      assertTrue(t.stdError() < 0.1 * expected, "the check has power at " + t);
    }
  }

  @Test
  void invalidCombinationsAreRejected() {
    NoiseSchedule sched = NoiseSchedule.linear(100);
    Trajectory traj = Trajectory.even(100, 5);
    assertThrows(IllegalArgumentException.class,
        () -> BoundSettings.eightBit(traj, new ReverseVariance.Ddim(0), 0, 8));
    assertThrows(IllegalArgumentException.class, () -> BoundSettings.eightBit(traj,
        new ReverseVariance.Analytic(true, 0, new double[101], DataRange.SYMMETRIC_UNIT), 0, 8));
    assertThrows(IllegalArgumentException.class,
        () -> BoundSettings.eightBit(Trajectory.explicit(new int[] {2, 50}, 100), new ReverseVariance.Posterior(), 0, 8));
    DataSet floats = DataSet.ofValues(new float[] {0.1f, 0.2f}, 1, new int[] {2}, DataRange.SYMMETRIC_UNIT, "f");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VariationalBound.evaluate(
        new IsotropicGaussianEps(sched, 2, 0, 0.1), sched, floats,
        BoundSettings.eightBit(traj, new ReverseVariance.Posterior(), 0, 8), null));
    assertTrue(e.getMessage().contains("8-bit"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> VariationalBound.evaluate(
        new IsotropicGaussianEps(sched, 3, 0, 0.1), sched, quantisedGaussian(2, 2, 0.1, 0),
        BoundSettings.eightBit(traj, new ReverseVariance.Posterior(), 0, 8), null));
  }

  @Test
  void helperFormulas() {
    assertEquals(0.0, VariationalBound.gaussianKl(0.3, 0.2, 0.3, 0.2), 1e-15);
    assertEquals(0.5 * (0.5 + 0.25 / 2 + Math.log(2) - 1), VariationalBound.gaussianKl(1, 1, 0.5, 2), 1e-15);
    assertEquals(0.5, VariationalBound.approxStandardNormalCdf(0), 0.0);
    assertEquals(0.841345, VariationalBound.approxStandardNormalCdf(1), 2e-4); // Φ(1)
    // open outer bins: level 0 takes all mass below, so a mean far below gives log 1 = 0
    assertEquals(0.0, VariationalBound.discretisedLogLikelihood(5.0, 0.01, 1 / 255.0, 0), 1e-12);
    assertEquals(Math.log(1e-12), VariationalBound.discretisedLogLikelihood(5.0, 0.01, 1 / 255.0, 100), 1e-9);
  }
}
