package dev.dpm.runtime.model;

import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import java.util.Set;

/**
 * A class-conditional TorchScript network ({@code forward(x, t, y)}) as a {@link ConditionalPredictor}: the
 * labels of the manifest's {@link Conditioning}, the null label for unconditional rows. Padding and batch
 * independence are the wrapped {@link TorchScriptPredictor}'s. A network with second heads (the manifest's
 * {@code outputs}, {@code forward(x, t, y) -> (eps, eps2, epsc)}) serves them per label, and for unlabelled calls
 * at the null label.
 */
public final class LabelledTorchScript implements ConditionalPredictor {
  private final TorchScriptPredictor network;
  private final Conditioning conditioning;

  /**
   * @param network a network opened with the manifest's null label
   * @param conditioning the manifest's classes
   */
  public LabelledTorchScript(TorchScriptPredictor network, Conditioning conditioning) {
    if (network.nullLabel() == null || network.nullLabel() != conditioning.nullLabel()) {
      throw new IllegalArgumentException("the network was not opened with null label " + conditioning.nullLabel());
    }
    this.network = network;
    this.conditioning = conditioning;
  }

  /** @return the wrapped network (batch quantum, device, live arrays) */
  public TorchScriptPredictor network() {
    return network;
  }

  /** @return the classes */
  public Conditioning conditioning() {
    return conditioning;
  }

  @Override
  public float[] predictEps(float[] x, double[] time, long[] labels, int batch) {
    return network.predictEps(x, time, labels, batch);
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    return network.predictEps(x, time, null, batch);
  }

  @Override
  public Set<SecondHead> secondHeads() {
    return network.secondHeads();
  }

  @Override
  public Prediction predict(float[] x, double[] time, int batch, Set<SecondHead> heads) {
    return network.predict(x, time, null, batch, heads);
  }

  @Override
  public Prediction predict(float[] x, double[] time, long[] labels, int batch, Set<SecondHead> heads) {
    return network.predict(x, time, labels, batch, heads);
  }

  @Override
  public int classCount() {
    return conditioning.classes().size();
  }

  @Override
  public long nullLabel() {
    return conditioning.nullLabel();
  }

  @Override
  public int dimension() {
    return network.dimension();
  }

  @Override
  public void close() {
    network.close();
  }
}
