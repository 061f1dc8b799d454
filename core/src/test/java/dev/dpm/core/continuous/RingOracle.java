package dev.dpm.core.continuous;

import dev.dpm.core.model.NoisePredictor;

/**
 * Test oracle: the exact ε of an isotropic Gaussian mixture Σ w_k N(μ_k, s² I) under a VP SDE,
 * ε*(x, t) = σ Σ_k r_k(x)(x − αμ_k)/v_k, v_k = α²s² + σ² (in double, returned as float32); by
 * default the 8-component ring (radius 0.8, angles kπ/4, std 0.05) of the gmm-ring-2d model.
 */
final class RingOracle implements NoisePredictor {
  final VpSde sde;
  final double[][] means;
  final double std;

  RingOracle(VpSde sde) {
    this.sde = sde;
    this.std = 0.05;
    this.means = new double[8][2];
    for (int k = 0; k < 8; k++) {
      means[k][0] = 0.8 * Math.cos(k * Math.PI / 4);
      means[k][1] = 0.8 * Math.sin(k * Math.PI / 4);
    }
  }

  /** @return log q_t(x) */
  double logDensity(double[] x, double t) {
    double a = sde.alpha(t);
    double s = sde.sigma(t);
    double v = a * a * std * std + s * s;
    double m = Double.NEGATIVE_INFINITY;
    double[] l = new double[means.length];
    for (int k = 0; k < means.length; k++) {
      double q = 0;
      for (int j = 0; j < x.length; j++) {
        double e = x[j] - a * means[k][j];
        q += e * e;
      }
      l[k] = Math.log(1.0 / means.length) - 0.5 * q / v - 0.5 * x.length * Math.log(2 * Math.PI * v);
      m = Math.max(m, l[k]);
    }
    double sum = 0;
    for (double lk : l) {
      sum += Math.exp(lk - m);
    }
    return m + Math.log(sum);
  }

  /** Exact samples of the data (component k = i mod 8, noise from stream i). */
  static float[][] samples(long seed, int n) {
    float[][] z = Runs.gaussians(seed, n, 2);
    float[][] r = new float[n][2];
    for (int i = 0; i < n; i++) {
      int k = i % 8;
      r[i][0] = (float) (0.8 * Math.cos(k * Math.PI / 4) + 0.05 * z[i][0]);
      r[i][1] = (float) (0.8 * Math.sin(k * Math.PI / 4) + 0.05 * z[i][1]);
    }
    return r;
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    int d = 2;
    float[] out = new float[batch * d];
    double[] l = new double[means.length];
    for (int b = 0; b < batch; b++) {
      double t = time[b] / sde.steps();
      double a = sde.alpha(t);
      double s = sde.sigma(t);
      double v = a * a * std * std + s * s;
      double m = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < means.length; k++) {
        double q = 0;
        for (int j = 0; j < d; j++) {
          double e = x[b * d + j] - a * means[k][j];
          q += e * e;
        }
        l[k] = -0.5 * q / v;
        m = Math.max(m, l[k]);
      }
      double z = 0;
      for (int k = 0; k < means.length; k++) {
        l[k] = Math.exp(l[k] - m);
        z += l[k];
      }
      for (int j = 0; j < d; j++) {
        double acc = 0;
        for (int k = 0; k < means.length; k++) {
          acc += l[k] / z * (x[b * d + j] - a * means[k][j]);
        }
        out[b * d + j] = (float) (s * acc / v);
      }
    }
    return out;
  }

  @Override
  public int dimension() {
    return 2;
  }

  @Override
  public void close() {}
}
