package dev.dpm.core.variance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.variance.ImperfectMeanCovariance.Head;
import dev.dpm.testkit.Runs;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SN-DPM and NPR-DPM with closed-form heads on Gaussian mixtures: with the exact ε, NPR's residual
 * E[(ε − ε*)² | x_t] is Var(ε | x_t) and SN's E[ε² | x_t] − ε*² is too, so both give the exact
 * posterior covariance Cov[x₀ | x_t]; on the isotropic Gaussian that is Analytic-DPM's.
 */
class ImperfectMeanCovarianceTest {
  static final NoiseSchedule SCHED = NoiseSchedule.linear(1000);
  static final MixtureSpec RING = ring();

  /** The mixture posterior at x_t, per dimension: {E[x₀|x], Var[x₀|x], E[ε|x], Var[ε|x]}. */
  static double[][] posterior(MixtureSpec m, int t, float[] x) {
    double ab = SCHED.alphaBar(t);
    double bb = SCHED.betaBar(t);
    int d = x.length;
    int k = m.weights().length;
    double[] logr = new double[k];
    double best = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) { // x_t | c ~ N(√ᾱ μ_c, (ᾱ s_c² + β̄) I)
      double v = ab * m.stds()[c] * m.stds()[c] + bb;
      double q = 0;
      for (int j = 0; j < d; j++) {
        double e = x[j] - Math.sqrt(ab) * m.means()[c][j];
        q += e * e;
      }
      logr[c] = Math.log(m.weights()[c]) - 0.5 * q / v - 0.5 * d * Math.log(v);
      best = Math.max(best, logr[c]);
    }
    double z = 0;
    for (int c = 0; c < k; c++) {
      logr[c] = Math.exp(logr[c] - best);
      z += logr[c];
    }
    double[][] out = new double[4][d];
    for (int j = 0; j < d; j++) {
      double m1 = 0;
      double m2 = 0;
      for (int c = 0; c < k; c++) {
        double s2 = m.stds()[c] * m.stds()[c];
        double g = Math.sqrt(ab) * s2 / (ab * s2 + bb);
        double mean = m.means()[c][j] + g * (x[j] - Math.sqrt(ab) * m.means()[c][j]);
        double var = s2 * bb / (ab * s2 + bb);
        m1 += logr[c] / z * mean;
        m2 += logr[c] / z * (var + mean * mean);
      }
      out[0][j] = m1;
      out[1][j] = m2 - m1 * m1;
      out[2][j] = (x[j] - Math.sqrt(ab) * m1) / Math.sqrt(bb); // ε = (x − √ᾱ x₀)/√β̄
      out[3][j] = ab / bb * out[1][j];
    }
    return out;
  }

  @Test
  void exactHeadsGiveTheExactPosteriorCovarianceOnTheRing() {
    float[][] xs = Runs.gaussians(3, 20, 2);
    for (int t : new int[] {1, 10, 100, 400, 700, 1000}) {
      for (float[] x : xs) {
        double[][] p = posterior(RING, t, x);
        float[] eps = new float[2];
        float[] npr = new float[2];
        float[] sn = new float[2];
        for (int j = 0; j < 2; j++) {
          eps[j] = (float) p[2][j];
          npr[j] = (float) p[3][j]; // E[(ε − ε*)²|x] = Var(ε|x)
          sn[j] = (float) (p[3][j] + p[2][j] * p[2][j]); // E[ε²|x]
        }
        double[] a = ImperfectMeanCovariance.covX0(Head.NPR, SCHED, t, eps, npr, DataRange.UNBOUNDED);
        double[] b = ImperfectMeanCovariance.covX0(Head.SN, SCHED, t, eps, sn, DataRange.UNBOUNDED);
        for (int j = 0; j < 2; j++) {
          double exact = p[1][j];
          double scale = SCHED.betaBar(t) / SCHED.alphaBar(t); // float32 heads, times β̄/ᾱ
          assertEquals(exact, a[j], 1e-6 * Math.max(exact, 1e-3 * scale) + 1e-12, "NPR t=" + t);
          assertEquals(exact, b[j], 1e-6 * scale * (1 + sn[j]) + 1e-12, "SN t=" + t);
          assertTrue(exact < 0.32 + 0.0025 + 1e-9, "Cov[x0|x] is at most the prior's");
        }
      }
    }
  }

  /** The oracle's closed-form heads are the posterior moments computed here independently. */
  @Test
  void mixturePredictorHeadsAreThePosteriorMoments() {
    float[][] xs = Runs.gaussians(8, 12, 2);
    float[] flat = new float[xs.length * 2];
    double[] time = new double[xs.length];
    try (GaussianMixturePredictor p = new GaussianMixturePredictor(RING, SCHED)) {
      for (int t : new int[] {1, 30, 250, 600, 1000}) {
        for (int i = 0; i < xs.length; i++) {
          System.arraycopy(xs[i], 0, flat, 2 * i, 2);
          time[i] = t;
        }
        Prediction out = p.predict(flat, time, xs.length, Set.of(SecondHead.EPS2, SecondHead.EPSC));
        assertArrayEquals(p.predictEps(flat, time, xs.length), out.eps(), "ε is predictEps's");
        for (int i = 0; i < xs.length; i++) {
          double[][] post = posterior(RING, t, xs[i]);
          for (int j = 0; j < 2; j++) {
            double var = post[3][j];
            double eps = post[2][j];
            assertEquals(eps, out.eps()[2 * i + j], 1e-5 * (1 + Math.abs(eps)), "ε t=" + t);
            assertEquals(var, out.head(SecondHead.EPSC)[2 * i + j], 1e-5 * var + 1e-9, "epsc t=" + t);
            assertEquals(var + eps * eps, out.head(SecondHead.EPS2)[2 * i + j], 1e-5 * (var + eps * eps) + 1e-9,
                "eps2 t=" + t);
          }
        }
      }
      assertEquals(Set.of(SecondHead.EPS2, SecondHead.EPSC), p.secondHeads());
      assertEquals(Set.of(), p.predict(flat, time, xs.length, Set.of()).heads().keySet());
    }
  }

  @Test
  void onTheIsotropicGaussianBothAreAnalyticDpm() {
    double s2 = 0.25;
    MixtureSpec g = new MixtureSpec(new double[] {1.0}, new double[][] {{0.0, 0.0}}, new double[] {0.5});
    double[] gamma = Moments.isotropicGaussian(SCHED, s2);
    float[] x = {0.7f, -1.3f};
    int[][] steps = {{0, 10}, {90, 100}, {300, 400}, {999, 1000}, {500, 1000}};
    for (int[] st : steps) {
      int s = st[0];
      int t = st[1];
      double[][] p = posterior(g, t, x);
      float[] eps = {(float) p[2][0], (float) p[2][1]};
      float[] npr = {(float) p[3][0], (float) p[3][1]};
      double[] v = ImperfectMeanCovariance.covX0(Head.NPR, SCHED, t, eps, npr, DataRange.UNBOUNDED);
      for (boolean ddim : new boolean[] {false, true}) {
        ReverseVariance analytic = new ReverseVariance.Analytic(ddim, 0.0, gamma, DataRange.UNBOUNDED);
        double lam2 = analytic.lambda2(SCHED, s, t);
        double[] sig = ImperfectMeanCovariance.sigma2(SCHED, s, t, lam2, v);
        double want = analytic.sigma2(SCHED, s, t);
        for (double e : sig) {
          assertEquals(want, e, 1e-6 * want + 1e-15, (ddim ? "DDIM" : "DDPM") + " s=" + s + " t=" + t);
        }
      }
      // the posterior variance itself: s²β̄/(ᾱs² + β̄)
      double exact = s2 * SCHED.betaBar(t) / (SCHED.alphaBar(t) * s2 + SCHED.betaBar(t));
      assertEquals(exact, v[0], 1e-6 * exact);
    }
  }

  @Test
  void ddpmCoefficientIsTheOfficialOneAndClipsFollowTheDataRange() {
    for (int[] st : new int[][] {{0, 1}, {40, 50}, {500, 1000}}) {
      int s = st[0];
      int t = st[1];
      double lam2 = SCHED.tildeBeta(s, t);
      double[] one = ImperfectMeanCovariance.sigma2(SCHED, s, t, lam2, new double[] {1.0});
      double official = SCHED.alphaBar(s) * Math.pow(SCHED.skipBeta(s, t), 2) / Math.pow(SCHED.betaBar(t), 2);
      assertEquals(lam2 + official, one[0], 1e-12 * (lam2 + official), "s=" + s + " t=" + t);
    }
    float[] eps = {0.9f, 0.1f, 0.0f};
    float[] h = {0.5f, 0.5f, 1e6f}; // SN: h − ε² < 0 in dimension 0; huge in 2
    double[] v = ImperfectMeanCovariance.covX0(Head.SN, SCHED, 50, eps, h, DataRange.SYMMETRIC_UNIT);
    assertEquals(0.0, v[0]);
    assertEquals(SCHED.betaBar(50) / SCHED.alphaBar(50) * (0.5 - 0.1f * 0.1f), v[1], 1e-9);
    assertTrue(v[1] > 0 && v[1] < 1, "not clipped");
    assertEquals(1.0, v[2], "clamp(0, 1) for data in [−1, 1]");
  }

  private static MixtureSpec ring() {
    double[][] means = new double[8][2];
    double[] w = new double[8];
    double[] s = new double[8];
    for (int k = 0; k < 8; k++) {
      means[k][0] = 0.8 * Math.cos(k * Math.PI / 4);
      means[k][1] = 0.8 * Math.sin(k * Math.PI / 4);
      w[k] = 0.125;
      s[k] = 0.05;
    }
    return new MixtureSpec(w, means, s);
  }
}
