package dev.dpm.core.noise;

/**
 * A counter-based source of standard normal noise keyed by (seed, sample index, draw counter,
 * element). It is stateless: the same key always gives the same float32 values, on any machine
 * (pure Java arithmetic), so a sample never depends on which other samples share its batch.
 *
 * <p>Each 64-bit block comes from the SplitMix64 finaliser applied to a hash of the key; the two
 * 32-bit halves are turned into two normals by the Box–Muller transform.
 */
public final class NoiseSource {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final double TWO_PI = 2.0 * Math.PI;
  private static final double INV_2_32 = 1.0 / 4294967296.0;
  private final long seed;

  /**
   * @param seed the job's seed
   */
  public NoiseSource(long seed) {
    this.seed = seed;
  }

  /** @return the seed */
  public long seed() {
    return seed;
  }

  /**
   * A per-sample stream whose draw counter starts at 0.
   *
   * @param sampleIndex index of the sample within its job (0-based)
   * @return a new stream; not thread-safe, owned by one sampling process
   */
  public NoiseStream stream(long sampleIndex) {
    return new NoiseStream(this, sampleIndex);
  }

  /**
   * Fills {@code out} with standard normals for one draw.
   *
   * @param sampleIndex sample index
   * @param draw draw counter
   * @param out destination, every element written
   */
  public void gaussian(long sampleIndex, long draw, float[] out) {
    long key = mix(mix(seed + GOLDEN) ^ (sampleIndex * 0xBF58476D1CE4E5B9L + draw * GOLDEN));
    int n = out.length;
    for (int i = 0; i < n; i += 2) {
      long h = mix(key + (long) (i >>> 1) * GOLDEN);
      double u1 = ((h >>> 32) + 0.5) * INV_2_32; // in (0, 1)
      double u2 = ((h & 0xFFFFFFFFL) + 0.5) * INV_2_32;
      double r = Math.sqrt(-2.0 * Math.log(u1));
      double a = TWO_PI * u2;
      out[i] = (float) (r * Math.cos(a));
      if (i + 1 < n) {
        out[i + 1] = (float) (r * Math.sin(a));
      }
    }
  }

  /**
   * Fills {@code out} with Rademacher (±1) values for one draw (Hutchinson probes).
   *
   * @param sampleIndex sample index
   * @param draw draw counter
   * @param out destination
   */
  public void rademacher(long sampleIndex, long draw, float[] out) {
    long key = mix(mix(seed + GOLDEN) ^ (sampleIndex * 0xBF58476D1CE4E5B9L + draw * GOLDEN));
    for (int i = 0; i < out.length; i += 64) {
      long h = mix(key + (long) (i >>> 6) * GOLDEN + 0x632BE59BD9B4E019L);
      for (int j = 0; j < 64 && i + j < out.length; j++) {
        out[i + j] = ((h >>> j) & 1L) == 0 ? 1f : -1f;
      }
    }
  }

  /** SplitMix64 finaliser (Steele, Lea &amp; Flood 2014). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
