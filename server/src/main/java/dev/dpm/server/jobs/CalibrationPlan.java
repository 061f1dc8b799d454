package dev.dpm.server.jobs;

import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.server.models.ServedModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A Γ calibration as engine work: Γ^eps[n] = E‖ε_θ(x_n, n)‖²/d (Analytic-DPM eq. 8 moments, in ε
 * units), estimated over M exact data points of an oracle model. Each data point is one process
 * that asks for ε at x_n = √ᾱ_n x₀ + √β̄_n ε for n = 1..N in turn, so calibrations share batches
 * with sampling jobs. Data point i draws from noise stream i of the seed (first the component,
 * then x₀, then one ε per n). Γ[0] is set to 1 (never used: the last step ends at n = 0).
 */
final class CalibrationPlan {
  private final ServedModel model;
  private final int m;
  private final long seed;
  private final boolean install;
  private final double[] sum;
  private final double[] sumSq;
  private List<SamplingProcess> processes;

  CalibrationPlan(ServedModel model, int m, long seed) {
    this(model, m, seed, false);
  }

  CalibrationPlan(ServedModel model, int m, long seed, boolean install) {
    this.model = model;
    this.m = m;
    this.seed = seed;
    this.install = install;
    int n = model.context().schedule().steps();
    this.sum = new double[n + 1];
    this.sumSq = new double[n + 1];
  }

  boolean install() {
    return install;
  }

  /** @return fresh processes, one per data point (accumulators reset) */
  List<SamplingProcess> processes() {
    java.util.Arrays.fill(sum, 0);
    java.util.Arrays.fill(sumSq, 0);
    NoiseSource src = new NoiseSource(seed);
    processes = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      processes.add(new Point(src.stream(i)));
    }
    return processes;
  }

  /** @return the Γ file: {@code {gamma:[...], stdError:[...], provenance:{...}}} */
  JsonObject result() {
    int n = sum.length - 1;
    JsonArray g = new JsonArray().add(1.0);
    JsonArray se = new JsonArray().add(0.0);
    for (int k = 1; k <= n; k++) {
      double mean = sum[k] / m;
      double var = Math.max(0, sumSq[k] / m - mean * mean);
      g.add(mean);
      se.add(Math.sqrt(var / Math.max(1, m - 1)));
    }
    return new JsonObject().put("gamma", g).put("stdError", se).put("provenance", new JsonObject()
        .put("model", model.name()).put("modelSha256", model.sha256())
        .put("data", "exact samples of the oracle mixture").put("samples", m).put("seed", seed)
        .put("method", "Monte Carlo E||eps(x_n,n)||^2/d, dpm server calibration job")
        .put("createdAt", Instant.now().toString()));
  }

  /** Installs the result as the model's Γ (in memory; download it with format=json). */
  void installInto(ServedModel target) {
    JsonObject r = result();
    JsonArray g = r.getJsonArray("gamma");
    double[] gamma = new double[g.size()];
    for (int i = 0; i < gamma.length; i++) {
      gamma[i] = g.getDouble(i);
    }
    target.installGamma(gamma, r.getJsonObject("provenance"));
    // in memory only: the Γ file beside the model is written by ./dpm calibrate (core.moments format)
  }

  /** One data point's walk over n = 1..N. */
  private final class Point implements SamplingProcess {
    private final float[] x0;
    private final float[] noise;
    private final float[] xn;
    private final NoiseStream stream;
    private final NoiseSchedule sched = model.context().schedule();
    private int n = 1;

    Point(NoiseStream stream) {
      this.stream = stream;
      MixtureSpec mix = model.spec().mixture();
      int d = mix.dimension();
      float[] bits = new float[32];
      stream.nextRademacher(bits);
      long u = 0;
      for (float b : bits) {
        u = (u << 1) | (b > 0 ? 1 : 0);
      }
      double uniform = (u + 0.5) / 4294967296.0;
      int k = 0;
      double c = mix.weights()[0];
      while (uniform > c && k < mix.weights().length - 1) {
        c += mix.weights()[++k];
      }
      float[] z = new float[d];
      stream.nextGaussian(z);
      x0 = new float[d];
      for (int j = 0; j < d; j++) {
        x0[j] = (float) (mix.means()[k][j] + mix.stds()[k] * z[j]);
      }
      noise = new float[d];
      xn = new float[d];
      prepare();
    }

    private void prepare() {
      stream.nextGaussian(noise);
      double a = Math.sqrt(sched.alphaBar(n));
      double b = Math.sqrt(sched.betaBar(n));
      for (int j = 0; j < xn.length; j++) {
        xn[j] = (float) (a * x0[j] + b * noise[j]);
      }
    }

    @Override
    public EvalRequest pending() {
      return new EvalRequest(xn, n);
    }

    @Override
    public void accept(float[] eps) {
      double s = 0;
      for (float e : eps) {
        s += (double) e * e;
      }
      s /= eps.length;
      sum[n] += s;
      sumSq[n] += s * s;
      n++;
      if (n <= sched.steps()) {
        prepare();
      }
    }

    @Override
    public boolean isDone() {
      return n > sched.steps();
    }

    @Override
    public float[] sample() {
      return x0;
    }

    @Override
    public int step() {
      return n - 1;
    }

    @Override
    public int totalSteps() {
      return sched.steps();
    }

    @Override
    public int nfe() {
      return n - 1;
    }

    @Override
    public float[] denoised() {
      return null;
    }
  }
}
