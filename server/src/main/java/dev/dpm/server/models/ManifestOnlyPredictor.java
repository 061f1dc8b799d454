package dev.dpm.server.models;

import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.SecondHead;
import dev.dpm.runtime.model.ModelSpec;
import java.util.Set;

/**
 * The stand-in for a network that an API node of a cluster does not load: it knows what the manifest says (the
 * dimension, the heads, the class labels of a conditional model), which is all that validating a request needs, and
 * refuses to be evaluated (an API node runs no job; its batch engines are never made).
 */
class ManifestOnlyPredictor implements NoisePredictor {
  private final ModelSpec spec;

  ManifestOnlyPredictor(ModelSpec spec) {
    this.spec = spec;
  }

  /**
   * @param spec a TorchScript model's manifest
   * @return a stand-in, conditional when the manifest names class labels
   */
  static NoisePredictor of(ModelSpec spec) {
    return spec.conditioning() == null ? new ManifestOnlyPredictor(spec) : new Conditional(spec);
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    throw new UnsupportedOperationException("model '" + spec.name() + "': this node loaded its manifest only "
        + "(an API node of a cluster runs no job)");
  }

  @Override
  public Set<SecondHead> secondHeads() {
    return spec.heads();
  }

  @Override
  public int dimension() {
    return spec.dimension();
  }

  @Override
  public void close() {
    // nothing was loaded
  }

  /** The stand-in of a class-conditional network. */
  static final class Conditional extends ManifestOnlyPredictor implements ConditionalPredictor {
    private final ModelSpec spec;

    Conditional(ModelSpec spec) {
      super(spec);
      this.spec = spec;
    }

    @Override
    public float[] predictEps(float[] x, double[] time, long[] labels, int batch) {
      return super.predictEps(x, time, batch);
    }

    @Override
    public float[] predictEps(float[] x, double[] time, int batch) {
      return super.predictEps(x, time, batch);
    }

    @Override
    public int classCount() {
      return spec.conditioning().classes().size();
    }

    @Override
    public long nullLabel() {
      return spec.conditioning().nullLabel();
    }
  }
}
