package dev.dpm.bench.quality;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records a deterministic sequence of network evaluations once, with every second head the network has,
 * and replays it: the variational bounds of σ² = β, Analytic, NPR and SN on one trajectory see the same
 * x_t (same rows, seed and trajectory; x_t comes from the forward process, not from the variance), so one
 * network pass serves all four. ε of {@link #predictEps} and of {@link #predict} are the same recorded
 * array (a network's ε does not depend on which heads are asked for). Each replayed call is checked
 * against the recorded one (hash of x and the times); a mismatch throws.
 *
 * <p>Memory: calls × batch × d floats per output until {@link #clear()}.
 */
final class HeadsReplay implements NoisePredictor {
  private final NoisePredictor inner;
  private final Set<SecondHead> all;
  private final List<Prediction> outputs = new ArrayList<>();
  private final List<Long> keys = new ArrayList<>();
  private boolean recording = true;
  private int cursor;
  private long evaluated;

  HeadsReplay(NoisePredictor inner) {
    this.inner = inner;
    this.all = inner.secondHeads();
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

  private Prediction next(float[] x, double[] time, int batch) {
    long key = 31L * Arrays.hashCode(x) + Arrays.hashCode(Arrays.copyOf(time, batch)) + 7L * batch;
    if (recording) {
      Prediction p = inner.predict(x, time, batch, all);
      evaluated += batch;
      outputs.add(p);
      keys.add(key);
      return p;
    }
    if (cursor >= keys.size() || keys.get(cursor) != key) {
      throw new IllegalStateException("replayed evaluation " + cursor + " differs from the recording");
    }
    return outputs.get(cursor++);
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    return next(x, time, batch).eps().clone();
  }

  @Override
  public Set<SecondHead> secondHeads() {
    return all;
  }

  @Override
  public Prediction predict(float[] x, double[] time, int batch, Set<SecondHead> heads) {
    Prediction p = next(x, time, batch);
    Map<SecondHead, float[]> h = new EnumMap<>(SecondHead.class);
    for (SecondHead s : heads) {
      h.put(s, p.head(s).clone());
    }
    return new Prediction(p.eps().clone(), h);
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
