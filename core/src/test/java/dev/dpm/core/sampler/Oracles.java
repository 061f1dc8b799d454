package dev.dpm.core.sampler;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.testkit.Mixtures;

/** The two bundled oracles, their Γ and small statistics helpers shared by the sampler tests. */
final class Oracles {
  static final NoiseSchedule LINEAR = NoiseSchedule.linear(1000);
  static final MixtureSpec GAUSSIAN = Mixtures.GAUSSIAN;
  static final MixtureSpec RING = Mixtures.RING;
  /** Γ^eps of N(0, 0.25 I) in closed form (reference §7). */
  static final double[] GAMMA_GAUSSIAN = dev.dpm.core.moments.Moments.isotropicGaussian(LINEAR, 0.25);
  private static double[] gammaRing;

  private Oracles() {}

  static ModelContext gaussianContext() {
    return new ModelContext(LINEAR, 2, DataRange.UNBOUNDED, false, GAMMA_GAUSSIAN);
  }

  static synchronized ModelContext ringContext() {
    if (gammaRing == null) {
      gammaRing = monteCarloGamma(RING, 2000, 11);
    }
    return new ModelContext(LINEAR, 2, DataRange.UNBOUNDED, false, gammaRing);
  }

  static GaussianMixturePredictor predictor(MixtureSpec m) {
    return new GaussianMixturePredictor(m, LINEAR);
  }

  /** Γ^eps_n = mean over M exact data samples of ‖ε*(x_n, n)‖²/d, one fresh ε each (§2.3). */
  static double[] monteCarloGamma(MixtureSpec m, int count, long seed) {
    int d = m.dimension();
    double[] g = new double[LINEAR.steps() + 1];
    NoiseSource src = new NoiseSource(seed);
    try (GaussianMixturePredictor p = predictor(m)) {
      float[] x = new float[count * d];
      double[] t = new double[count];
      float[] x0 = new float[d];
      float[] e = new float[d];
      for (int n = 1; n <= LINEAR.steps(); n++) {
        double sa = Math.sqrt(LINEAR.alphaBar(n));
        double sb = Math.sqrt(LINEAR.betaBar(n));
        for (int i = 0; i < count; i++) {
          NoiseStream s = src.stream((long) n * count + i);
          GaussianMixturePredictor.sampleData(m, s, x0);
          s.nextGaussian(e);
          for (int j = 0; j < d; j++) {
            x[i * d + j] = (float) (sa * x0[j] + sb * e[j]);
          }
          t[i] = n;
        }
        float[] eps = p.predictEps(x, t, count);
        double sum = 0;
        for (float v : eps) {
          sum += (double) v * v;
        }
        g[n] = sum / eps.length;
      }
    }
    return g;
  }

  static Sampler create(SamplerSettings s, ModelContext ctx) {
    SamplerResult r = Samplers.create(s, ctx);
    if (r instanceof SamplerResult.Ok ok) {
      return ok.sampler();
    }
    throw new AssertionError("invalid settings: " + ((SamplerResult.Invalid) r).problems());
  }

  static float[][] run(Sampler s, MixtureSpec m, long seed, int n) {
    try (GaussianMixturePredictor p = predictor(m)) {
      return Driver.sample(s, p, seed, n, 512, null);
    }
  }

  /** Per-coordinate mean, [d]. */
  static double[] mean(float[][] xs) {
    double[] m = new double[xs[0].length];
    for (float[] x : xs) {
      for (int j = 0; j < m.length; j++) {
        m[j] += x[j];
      }
    }
    for (int j = 0; j < m.length; j++) {
      m[j] /= xs.length;
    }
    return m;
  }

  /** Sample covariance entry (i, j) and its standard error, from the products' spread. */
  static double[] covarianceWithError(float[][] xs, int i, int j) {
    double[] m = mean(xs);
    int n = xs.length;
    double s = 0;
    double s2 = 0;
    for (float[] x : xs) {
      double p = (x[i] - m[i]) * (x[j] - m[j]);
      s += p;
      s2 += p * p;
    }
    double c = s / n;
    return new double[] {c * n / (n - 1), Math.sqrt((s2 / n - c * c) / n)};
  }

  /** Unbiased MMD² with the RBF kernel exp(−‖x − y‖²/(2w²)). */
  static double mmd2(float[][] a, float[][] b, double width) {
    double g = 1.0 / (2 * width * width);
    return within(a, g) + within(b, g) - 2 * across(a, b, g);
  }

  private static double within(float[][] a, double g) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = i + 1; j < a.length; j++) {
        s += kernel(a[i], a[j], g);
      }
    }
    return 2 * s / ((double) a.length * (a.length - 1));
  }

  private static double across(float[][] a, float[][] b, double g) {
    double s = 0;
    for (float[] x : a) {
      for (float[] y : b) {
        s += kernel(x, y, g);
      }
    }
    return s / ((double) a.length * b.length);
  }

  private static double kernel(float[] x, float[] y, double g) {
    double d = 0;
    for (int j = 0; j < x.length; j++) {
      double u = x[j] - y[j];
      d += u * u;
    }
    return Math.exp(-g * d);
  }
}
