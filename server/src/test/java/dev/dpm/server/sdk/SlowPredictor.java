package dev.dpm.server.sdk;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.server.Toys;

/** The toy predictor with an adjustable delay per evaluation, so a test can watch a job run. */
final class SlowPredictor implements NoisePredictor {
  private final Toys.ToyPredictor inner = new Toys.ToyPredictor(2);
  volatile long sleepMicros;

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
