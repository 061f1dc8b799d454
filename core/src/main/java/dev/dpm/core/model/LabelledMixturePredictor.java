package dev.dpm.core.model;

import dev.dpm.core.schedule.NoiseSchedule;

/**
 * The exact conditional oracle of a Gaussian mixture whose label selects a component: label k
 * gives the ε of component k alone, ε(x, n | k) = √β̄_n (x − √ᾱ_n μ_k)/(ᾱ_n s_k² + β̄_n), and the
 * null label K (the number of components) the ε of the whole mixture
 * ({@link GaussianMixturePredictor}). So the conditional and unconditional scores, and hence the
 * guided predictor, are in closed form. Stateless and thread-safe.
 */
public final class LabelledMixturePredictor implements ConditionalPredictor {
  private final GaussianMixturePredictor all;
  private final GaussianMixturePredictor[] components;

  /**
   * @param mixture the data distribution; component k is class k
   * @param schedule the forward process
   */
  public LabelledMixturePredictor(MixtureSpec mixture, NoiseSchedule schedule) {
    this.all = new GaussianMixturePredictor(mixture, schedule);
    int k = mixture.weights().length;
    components = new GaussianMixturePredictor[k];
    for (int c = 0; c < k; c++) {
      components[c] = new GaussianMixturePredictor(new MixtureSpec(new double[] {1.0},
          new double[][] {mixture.means()[c]}, new double[] {mixture.stds()[c]}), schedule);
    }
  }

  /** @return the unconditional oracle */
  public GaussianMixturePredictor unconditional() {
    return all;
  }

  @Override
  public float[] predictEps(float[] x, double[] time, long[] labels, int batch) {
    int d = dimension();
    float[] out = new float[batch * d];
    float[] row = new float[d];
    double[] t = new double[1];
    for (int b = 0; b < batch; b++) {
      long y = labels[b];
      if (y < 0 || y > components.length) {
        throw new IllegalArgumentException("label " + y + " is not in [0, " + components.length + "]");
      }
      System.arraycopy(x, b * d, row, 0, d);
      t[0] = time[b];
      NoisePredictor p = y == components.length ? all : components[(int) y];
      System.arraycopy(p.predictEps(row, t, 1), 0, out, b * d, d);
    }
    return out;
  }

  @Override
  public int classCount() {
    return components.length;
  }

  @Override
  public long nullLabel() {
    return components.length;
  }

  @Override
  public int dimension() {
    return all.dimension();
  }

  @Override
  public void close() {}
}
