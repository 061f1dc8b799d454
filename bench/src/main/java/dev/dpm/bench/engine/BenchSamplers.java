package dev.dpm.bench.engine;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.HashMap;
import java.util.Map;

/**
 * The samplers of the engine benchmark on one model context: linear schedule N = 1000, d values
 * per sample in [−1, 1] (images: x̂₀ is clamped, as for fashion-mnist), Γ of the Gaussian oracle
 * N(0, 0.25·I) for the analytic variances, its closed-form heads for the SN/NPR kinds. Samplers are built
 * once per (kind, steps) and shared.
 */
public final class BenchSamplers {
  /** The oracle's data variance (also the simulated accelerator's). */
  public static final double VARIANCE = 0.25;

  private final NoiseSchedule schedule = NoiseSchedule.linear(1000);
  private final ModelContext context;
  private final Map<String, Sampler> cache = new HashMap<>();

  /** @param d values per sample */
  public BenchSamplers(int d) {
    this.context = new ModelContext(schedule, d, DataRange.SYMMETRIC_UNIT, false,
        Moments.isotropicGaussian(schedule, VARIANCE)).withHeads(java.util.EnumSet.allOf(dev.dpm.core.model.SecondHead.class));
  }

  /** @return the schedule */
  public NoiseSchedule schedule() {
    return schedule;
  }

  /** @return values per sample */
  public int dimension() {
    return context.dimension();
  }

  /**
   * @param kind the sampler
   * @param steps K (ignored for ode-rk45, which is adaptive)
   * @return the shared sampler
   */
  public synchronized Sampler get(SamplerKind kind, int steps) {
    return cache.computeIfAbsent(key(kind, steps), k -> {
      SamplerSettings.Builder b = SamplerSettings.builder(kind);
      if (kind != SamplerKind.ODE_RK45) {
        b.optSteps(steps);
      }
      SamplerResult r = Samplers.create(b.build(), context);
      if (r instanceof SamplerResult.Ok ok) {
        return ok.sampler();
      }
      throw new IllegalArgumentException(kind.wire() + ": " + ((SamplerResult.Invalid) r).problems());
    });
  }

  /**
   * The request-level batch key: sampler and step count (what a whole-request batcher can share).
   *
   * @param kind sampler
   * @param steps K
   * @return the key
   */
  public static String key(SamplerKind kind, int steps) {
    return kind == SamplerKind.ODE_RK45 ? kind.wire() : kind.wire() + "/" + steps;
  }
}
