package dev.dpm.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.core.model.DataRange;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseStream;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.server.jobs.JobService;
import dev.dpm.server.models.ServedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test doubles until the core samplers land: a row-independent toy predictor and a toy sampler
 * whose processes follow the SamplingProcess contract (one evaluation per step, own noise).
 */
public final class Toys {
  private Toys() {}

  /** ε = tanh(x·(1 + n/N)) per coordinate; optional delay and NaN below a time. */
  public static final class ToyPredictor implements NoisePredictor {
    final int d;
    volatile long delayMicros;
    volatile double nanBelowTime = -1;
    final AtomicLong rows = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    volatile int maxRowsSeen;

    public ToyPredictor(int d) {
      this.d = d;
    }

    @Override
    public float[] predictEps(float[] x, double[] time, int batch) {
      calls.incrementAndGet();
      rows.addAndGet(batch);
      maxRowsSeen = Math.max(maxRowsSeen, batch);
      if (delayMicros > 0) {
        try {
          Thread.sleep(delayMicros / 1000, (int) (delayMicros % 1000) * 1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      float[] out = new float[batch * d];
      for (int r = 0; r < batch; r++) {
        double s = 1 + time[r] / 1000.0;
        for (int j = 0; j < d; j++) {
          out[r * d + j] = time[r] < nanBelowTime ? Float.NaN : (float) Math.tanh(x[r * d + j] * s);
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
  }

  /** A toy sampler: K steps from n = N down, x ← 0.9x + 0.1ε + 0.05z. */
  public static final class ToySampler implements Sampler {
    final SamplerSettings settings;
    final int n;
    final int d;

    ToySampler(SamplerSettings settings, int n, int d) {
      this.settings = settings;
      this.n = n;
      this.d = d;
    }

    @Override
    public SamplerSettings settings() {
      return settings;
    }

    @Override
    public SamplingProcess start(NoiseStream noise) {
      float[] x = new float[d];
      noise.nextGaussian(x);
      return new ToyProcess(x, noise, settings.steps(), n, settings.eta() == null ? 0.05 : settings.eta());
    }

    @Override
    public SamplingProcess start(NoiseStream noise, float[] latent) {
      return new ToyProcess(latent.clone(), noise, settings.steps(), n, 0.05);
    }
  }

  static final class ToyProcess implements SamplingProcess {
    final float[] x;
    final NoiseStream noise;
    final int k;
    final int n;
    final double scale;
    int step;
    float[] denoised;

    ToyProcess(float[] x, NoiseStream noise, int k, int n, double scale) {
      this.x = x;
      this.noise = noise;
      this.k = k;
      this.n = n;
      this.scale = scale;
    }

    @Override
    public EvalRequest pending() {
      return new EvalRequest(x, (double) n * (k - step) / k);
    }

    @Override
    public void accept(float[] eps) {
      float[] z = new float[x.length];
      noise.nextGaussian(z);
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (0.9 * x[i] + 0.1 * eps[i] + scale * z[i]);
      }
      denoised = x.clone();
      step++;
    }

    @Override
    public boolean isDone() {
      return step >= k;
    }

    @Override
    public float[] sample() {
      return x.clone();
    }

    @Override
    public int step() {
      return step;
    }

    @Override
    public int totalSteps() {
      return k;
    }

    @Override
    public int nfe() {
      return step;
    }

    @Override
    public float[] denoised() {
      return denoised;
    }
  }

  /** Validates like the core: K ≤ N, K ≥ 1, Γ for analytic samplers, eta ≥ 0; default K = 10, eta filled. */
  public static final JobService.SamplerFactory FACTORY = (s, ctx) -> {
    int k = s.steps() == null ? 10 : s.steps();
    int n = ctx.schedule().steps();
    if (k > n) {
      return new SamplerResult.Invalid(List.of(new Problem("steps", "must be at most N = " + n)));
    }
    if (s.kind().needsGamma() && ctx.gamma() == null) {
      return new SamplerResult.Invalid(List.of(new Problem("sampler.name", s.kind().wire() + " needs Γ")));
    }
    if (s.eta() != null && s.eta() < 0) {
      return new SamplerResult.Invalid(List.of(new Problem("eta", "must be >= 0")));
    }
    SamplerSettings filled = s.toBuilder().optSteps(k).optEta(s.eta() == null ? 0.05 : s.eta()).build();
    return new SamplerResult.Ok(new ToySampler(filled, n, ctx.dimension()));
  };

  /**
   * A served 2-D toy model with a manifest (a ring mixture, so calibrations work).
   *
   * @param name model name
   * @param predictor its predictor
   * @param dir a folder for the manifest's gamma file
   * @return the model
   */
  public static ServedModel model(String name, NoisePredictor predictor, Path dir) throws Exception {
    String json = "{\"name\":\"" + name + "\",\"kind\":\"gaussian-mixture\",\"sampleShape\":[" + predictor.dimension()
        + "],\"dataRange\":null,\"prediction\":\"eps\",\"timeInput\":\"index\",\"schedule\":{\"type\":\"linear\",\"steps\":1000},"
        + "\"mixture\":{\"weights\":[0.5,0.5],\"means\":[" + vec(predictor.dimension(), 0.5) + "," + vec(predictor.dimension(), -0.5)
        + "],\"stds\":[0.1,0.1]}}";
    ModelSpec spec = ModelSpec.parse(new ObjectMapper().readTree(json), dir);
    ModelContext ctx = new ModelContext(NoiseSchedule.linear(1000), predictor.dimension(), DataRange.UNBOUNDED, false, null);
    return new ServedModel(spec, predictor, ctx, null, "cpu", null);
  }

  /**
   * An image toy model [1, 4, 4] in [-1, 1].
   */
  public static ServedModel imageModel(String name, NoisePredictor predictor, Path dir) throws Exception {
    String json = "{\"name\":\"" + name + "\",\"kind\":\"torchscript\",\"file\":\"x.pt\",\"sha256\":\"ab\",\"sampleShape\":[1,4,4],"
        + "\"dataRange\":[-1,1],\"eightBit\":true,\"prediction\":\"eps\",\"timeInput\":\"index-minus-one\","
        + "\"schedule\":{\"type\":\"linear\",\"steps\":1000}}";
    ModelSpec spec = ModelSpec.parse(new ObjectMapper().readTree(json), dir);
    ModelContext ctx = new ModelContext(NoiseSchedule.linear(1000), 16, DataRange.SYMMETRIC_UNIT, true, null);
    return new ServedModel(spec, predictor, ctx, "ab", "cpu", null);
  }

  private static String vec(int d, double v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < d; i++) {
      sb.append(i == 0 ? "" : ",").append(v);
    }
    return sb.append("]").toString();
  }
}
