package dev.dpm.testkit;

import dev.dpm.core.continuous.ContinuousSampler;
import dev.dpm.core.continuous.ContinuousSamplers;
import dev.dpm.core.continuous.VpSde;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.SamplingProcess;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: build samplers, run them from drawn noise or from given latents. */
public final class Runs {
  private Runs() {}

  public static ContinuousSampler sampler(SamplerSettings s, ModelContext ctx, VpSde sde) {
    SamplerResult r = ContinuousSamplers.create(s, ctx, sde);
    if (r instanceof SamplerResult.Ok ok) {
      return (ContinuousSampler) ok.sampler();
    }
    throw new AssertionError("invalid settings: " + ((SamplerResult.Invalid) r).problems());
  }

  /** Runs from given latents (stream i for sample i); returns the processes, finished. */
  public static List<SamplingProcess> fromLatents(Sampler s, NoisePredictor m, float[][] latents,
      long seed, int maxBatch) {
    NoiseSource src = new NoiseSource(seed);
    List<SamplingProcess> ps = new ArrayList<>();
    for (int i = 0; i < latents.length; i++) {
      ps.add(s.start(src.stream(i), latents[i]));
    }
    Driver.run(ps, m, maxBatch, null);
    return ps;
  }

  public static float[][] samples(List<SamplingProcess> ps) {
    float[][] r = new float[ps.size()][];
    for (int i = 0; i < r.length; i++) {
      r[i] = ps.get(i).sample();
    }
    return r;
  }

  public static float[][] gaussians(long seed, int n, int d) {
    NoiseSource src = new NoiseSource(seed);
    float[][] r = new float[n][d];
    for (int i = 0; i < n; i++) {
      src.stream(i).nextGaussian(r[i]);
    }
    return r;
  }
}
