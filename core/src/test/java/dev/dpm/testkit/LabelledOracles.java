package dev.dpm.testkit;

import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.schedule.NoiseSchedule;

/**
 * Exact conditional oracles for guidance tests: a two-component mixture whose label selects a component, the
 * closed-form Γ of its guided predictor, and a pair of Gaussians under which guidance itself is a Gaussian.
 */
public final class LabelledOracles {
  /** Two equal-std components in 2-D, weights 0.3 / 0.7: label 0 and 1, null label 2. */
  public static final MixtureSpec PAIR = new MixtureSpec(new double[] {0.3, 0.7},
      new double[][] {{1.0, 0.0}, {-1.0, 0.5}}, new double[] {0.3, 0.3});

  private LabelledOracles() {}

  /**
   * Γ^eps_n of the guided predictor ε̃_w(· | c) of {@link #PAIR}-like mixtures (two components, equal std s) under
   * x_n ~ q(x_n | c). With v = ᾱs² + β̄, x_n = √ᾱμ_c + √v z, Δ = μ_c − μ_o, δ = ‖Δ‖ and ζ = z·Δ/δ ~ N(0, 1):
   *
   * <pre>
   *   ε̃ = √β̄/v · (√v z + √ᾱ(1 − w)(1 − r_c)Δ),   logit r_c = log(π_c/π_o) + (2√(vᾱ)δζ + ᾱδ²)/(2v)
   *   Γ_n(w) = β̄/(v² d) · (v d + E_ζ[2√(vᾱ)(1 − w)δζ(1 − r_c) + ᾱ(1 − w)²δ²(1 − r_c)²])
   * </pre>
   *
   * a one-dimensional Gaussian integral, done by the trapezoid rule on ζ ∈ [−12, 12] (exponentially accurate).
   *
   * @param m the mixture (two components, equal stds)
   * @param sched schedule
   * @param label c
   * @param w guidance scale
   * @param n step
   * @return Γ^eps_n
   */
  public static double guidedGamma(MixtureSpec m, NoiseSchedule sched, int label, double w, int n) {
    int d = m.dimension();
    int other = 1 - label;
    double a = sched.alphaBar(n);
    double bb = sched.betaBar(n);
    double s2 = m.stds()[0] * m.stds()[0];
    double v = a * s2 + bb;
    double delta2 = 0;
    for (int j = 0; j < d; j++) {
      double diff = m.means()[label][j] - m.means()[other][j];
      delta2 += diff * diff;
    }
    double delta = Math.sqrt(delta2);
    double logPrior = Math.log(m.weights()[label] / m.weights()[other]);
    double h = 1e-3;
    double sum = 0;
    for (int i = -12_000; i <= 12_000; i++) {
      double z = i * h;
      double logit = logPrior + (2 * Math.sqrt(v * a) * delta * z + a * delta2) / (2 * v);
      double ro = 1.0 / (1.0 + Math.exp(logit)); // 1 − r_c
      double f = 2 * Math.sqrt(v * a) * (1 - w) * delta * z * ro + a * (1 - w) * (1 - w) * delta2 * ro * ro;
      double wt = (i == -12_000 || i == 12_000) ? 0.5 : 1.0;
      sum += wt * f * Math.exp(-0.5 * z * z);
    }
    double e = sum * h / Math.sqrt(2 * Math.PI);
    return bb / (v * v * d) * (v * d + e);
  }

  /**
   * A conditional predictor whose label 0 is N(μ_c, s²I) and whose null label (1) is N(μ_u, s²I): then the guided
   * ε̃_w is exactly the ε of N(wμ_c + (1 − w)μ_u, s²I), so guided samples have a closed-form mean for every w.
   *
   * @param muC conditional mean
   * @param muU unconditional mean
   * @param s common std
   * @param sched schedule
   * @return the predictor
   */
  public static ConditionalPredictor gaussianPair(double[] muC, double[] muU, double s, NoiseSchedule sched) {
    GaussianMixturePredictor c = new GaussianMixturePredictor(
        new MixtureSpec(new double[] {1}, new double[][] {muC}, new double[] {s}), sched);
    GaussianMixturePredictor u = new GaussianMixturePredictor(
        new MixtureSpec(new double[] {1}, new double[][] {muU}, new double[] {s}), sched);
    return new ConditionalPredictor() {
      @Override
      public float[] predictEps(float[] x, double[] time, long[] labels, int batch) {
        int d = muC.length;
        float[] out = new float[batch * d];
        for (int b = 0; b < batch; b++) {
          float[] e = (labels[b] == 0 ? c : u).predictEps(java.util.Arrays.copyOfRange(x, b * d, b * d + d),
              new double[] {time[b]}, 1);
          System.arraycopy(e, 0, out, b * d, d);
        }
        return out;
      }

      @Override
      public int classCount() {
        return 1;
      }

      @Override
      public long nullLabel() {
        return 1;
      }

      @Override
      public int dimension() {
        return muC.length;
      }

      @Override
      public void close() {}
    };
  }
}
