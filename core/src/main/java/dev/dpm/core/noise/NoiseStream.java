package dev.dpm.core.noise;

/**
 * The noise of one sample: successive draws from a {@link NoiseSource} with an increasing draw
 * counter. Owned by one sampling process; not thread-safe.
 */
public final class NoiseStream {
  private final NoiseSource source;
  private final long sampleIndex;
  private long draws;

  NoiseStream(NoiseSource source, long sampleIndex) {
    this.source = source;
    this.sampleIndex = sampleIndex;
  }

  /**
   * Draws the next vector of standard normals.
   *
   * @param out destination ([d]), fully overwritten
   */
  public void nextGaussian(float[] out) {
    source.gaussian(sampleIndex, draws++, out);
  }

  /**
   * Draws the next vector of Rademacher ±1 values.
   *
   * @param out destination ([d]), fully overwritten
   */
  public void nextRademacher(float[] out) {
    source.rademacher(sampleIndex, draws++, out);
  }

  /** @return the sample index this stream belongs to */
  public long sampleIndex() {
    return sampleIndex;
  }

  /** @return how many draws have been taken (the counter of the next draw) */
  public long draws() {
    return draws;
  }
}
