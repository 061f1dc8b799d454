package dev.dpm.bench.quality;

import dev.dpm.core.model.NoisePredictor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records a deterministic sequence of network evaluations once and replays it: the variational
 * bounds of the three DDPM-type variances on one trajectory see the same x_t (same data, seed and
 * trajectory) and differ only in arithmetic, so the network runs once for all three. Each replayed
 * call is checked against the recorded call (hash of x and the times); a mismatch throws.
 *
 * <p>Memory: every recorded output is kept until {@link #clear()}: calls × batch × d floats.
 */
final class ReplayPredictor implements NoisePredictor {
  private final NoisePredictor inner;
  private final List<float[]> outputs = new ArrayList<>();
  private final List<Long> keys = new ArrayList<>();
  private boolean recording = true;
  private int cursor;
  private long evaluated;

  ReplayPredictor(NoisePredictor inner) {
    this.inner = inner;
  }

  /** Starts a new recording, dropping the old one. */
  void clear() {
    outputs.clear();
    keys.clear();
    recording = true;
    cursor = 0;
  }

  /** Replays the recording from its start. */
  void replay() {
    recording = false;
    cursor = 0;
  }

  /** @return rows actually evaluated by the inner predictor */
  long evaluated() {
    return evaluated;
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    long key = 31L * Arrays.hashCode(x) + Arrays.hashCode(Arrays.copyOf(time, batch)) + 7L * batch;
    if (recording) {
      float[] out = inner.predictEps(x, time, batch);
      evaluated += batch;
      outputs.add(out.clone());
      keys.add(key);
      return out;
    }
    if (cursor >= keys.size() || keys.get(cursor) != key) {
      throw new IllegalStateException("replayed evaluation " + cursor + " differs from the recording");
    }
    return outputs.get(cursor++).clone();
  }

  @Override
  public int dimension() {
    return inner.dimension();
  }

  @Override
  public void close() {
    // the inner predictor belongs to the caller
  }
}
