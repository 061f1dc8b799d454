package dev.dpm.core.noise;

/**
 * A process's next noise draw, optionally made ahead of time: {@link #prepare()} draws it while
 * the network evaluates (off the critical path), {@link #next()} hands it out, drawing it then if
 * it was not prepared. The stream's draw order is unchanged either way, so samples stay
 * bit-identical; the caller prepares only a draw its next step is certain to take.
 */
public final class PreparedNoise {
  private final NoiseStream stream;
  private final int d;
  private float[] z; // [d], allocated on the first draw
  private boolean ready;

  /**
   * @param stream the process's stream
   * @param d values per draw
   */
  public PreparedNoise(NoiseStream stream, int d) {
    this.stream = stream;
    this.d = d;
  }

  /** Draws the next vector now, unless it is already drawn. */
  public void prepare() {
    if (!ready) {
      if (z == null) {
        z = new float[d];
      }
      stream.nextGaussian(z);
      ready = true;
    }
  }

  /**
   * @return the next standard-normal vector, [d]; a buffer reused by the next draw
   */
  public float[] next() {
    prepare();
    ready = false;
    return z;
  }
}
