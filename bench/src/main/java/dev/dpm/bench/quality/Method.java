package dev.dpm.bench.quality;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.trajectory.TrajectoryKind;
import dev.dpm.core.variance.ReverseVariance;

/** A reverse process compared by the quality benchmark (one row of its tables). */
public enum Method {
  /** DDPM with σ² = β̃ ("fixed small"). */
  DDPM_POSTERIOR("ddpm-posterior", "DDPM σ²=β̃", SamplerKind.DDPM, SamplerSettings.VarianceKind.POSTERIOR),
  /** DDPM with σ² = β ("fixed large"). */
  DDPM_FORWARD("ddpm-forward", "DDPM σ²=β", SamplerKind.DDPM, SamplerSettings.VarianceKind.FORWARD),
  /** DDPM-type steps with the Analytic-DPM variance. */
  ANALYTIC_DDPM("analytic-ddpm", "Analytic-DDPM", SamplerKind.ANALYTIC_DDPM, null),
  /** DDIM, η = 0. */
  DDIM("ddim", "DDIM", SamplerKind.DDIM, null),
  /** DDIM-type steps (η = 0) with the Analytic-DPM variance. */
  ANALYTIC_DDIM("analytic-ddim", "Analytic-DDIM", SamplerKind.ANALYTIC_DDIM, null);

  /** The methods of the likelihood table (the bound exists for the DDPM forward process only). */
  public static final Method[] LIKELIHOOD = {DDPM_POSTERIOR, DDPM_FORWARD, ANALYTIC_DDPM};

  private final String key;
  private final String label;
  private final SamplerKind kind;
  private final SamplerSettings.VarianceKind variance;

  Method(String key, String label, SamplerKind kind, SamplerSettings.VarianceKind variance) {
    this.key = key;
    this.label = label;
    this.kind = kind;
    this.variance = variance;
  }

  /** @return the name used in result keys, file names and options */
  public String key() {
    return key;
  }

  /** @return the name in tables and plots */
  public String label() {
    return label;
  }

  /**
   * @param steps K
   * @param trajectory the trajectory kind
   * @param clipSigma2 the σ₂ clip y ∈ {0, 1, 2}, or null for the sampler's default
   * @return the sampler settings (other parameters at their defaults)
   */
  public SamplerSettings settings(int steps, TrajectoryKind trajectory, Integer clipSigma2) {
    return SamplerSettings.builder(kind).optSteps(steps).optTrajectory(trajectory).optVariance(variance)
        .optClipSigma2(clipSigma2).build();
  }

  /**
   * The reverse variance of the likelihood bound.
   *
   * @param gamma Γ^eps (for the analytic variance)
   * @param range the data range
   * @return the variance
   * @throws IllegalStateException for the DDIM-type methods, whose bound is infinite
   */
  public ReverseVariance boundVariance(double[] gamma, DataRange range) {
    return switch (this) {
      case DDPM_POSTERIOR -> new ReverseVariance.Posterior();
      case DDPM_FORWARD -> new ReverseVariance.Forward();
      case ANALYTIC_DDPM -> new ReverseVariance.Analytic(false, 0.0, gamma, range);
      default -> throw new IllegalStateException(key + " has no variational bound");
    };
  }

  /**
   * @param s a key
   * @return the method
   * @throws IllegalArgumentException naming the keys
   */
  public static Method parse(String s) {
    for (Method m : values()) {
      if (m.key.equals(s)) {
        return m;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (Method m : values()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(m.key);
    }
    throw new IllegalArgumentException("unknown method '" + s + "' (one of " + sb + ")");
  }
}
