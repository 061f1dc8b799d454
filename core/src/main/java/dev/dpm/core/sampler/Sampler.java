package dev.dpm.core.sampler;

import dev.dpm.core.noise.NoiseStream;

/**
 * A configured sampler (settings validated and defaults filled) for one model. It is immutable
 * and shared; it makes one {@link SamplingProcess} per sample.
 */
public interface Sampler {
  /** @return the settings with every default filled in (what actually runs) */
  SamplerSettings settings();

  /**
   * Starts a sample from x_T drawn from the prior with the stream's first draw.
   *
   * @param noise the sample's own noise stream
   * @return a new process
   */
  SamplingProcess start(NoiseStream noise);

  /**
   * Starts a sample from a given latent x_T (used by {@code --latents} and encode/decode).
   *
   * @param noise the sample's own noise stream
   * @param latent x_T, [d]; copied
   * @return a new process
   */
  SamplingProcess start(NoiseStream noise, float[] latent);
}
