package dev.dpm.server;

import dev.dpm.core.model.NoisePredictor;

/** The toy predictor with an adjustable delay per evaluation, so a test can watch a job run. */
public final class SlowPredictor implements NoisePredictor {
  private final Toys.ToyPredictor inner = new Toys.ToyPredictor(2);
  public volatile long sleepMicros;

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    long us = sleepMicros;
    if (us > 0) {
      try {
        Thread.sleep(us / 1000, (int) (us % 1000) * 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return inner.predictEps(x, time, batch);
  }

  @Override
  public int dimension() {
    return 2;
  }

  @Override
  public void close() {}
}
