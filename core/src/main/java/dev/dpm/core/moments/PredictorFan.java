package dev.dpm.core.moments;

import dev.dpm.core.model.NoisePredictor;

/**
 * Several ε predictions of the same rows from one network call, e.g. the guided ε̃_w of a grid of
 * w from one conditional and one unconditional evaluation: what {@link Moments#estimateAt(PredictorFan,
 * dev.dpm.core.schedule.NoiseSchedule, dev.dpm.core.data.DataSet, int[], long, int, Moments.Options,
 * java.util.function.LongConsumer)} estimates Γ of, all outputs at once.
 */
public interface PredictorFan {
  /** @return values per row, d */
  int dimension();

  /** @return predictions per row */
  int outputs();

  /**
   * @param x inputs, [batch, d]
   * @param time step indices, [batch]
   * @param batch rows
   * @return the predictions, [outputs][batch·d]
   */
  float[][] predictEps(float[] x, double[] time, int batch);

  /**
   * @param model one predictor
   * @return the fan of its one output
   */
  static PredictorFan of(NoisePredictor model) {
    return new PredictorFan() {
      @Override
      public int dimension() {
        return model.dimension();
      }

      @Override
      public int outputs() {
        return 1;
      }

      @Override
      public float[][] predictEps(float[] x, double[] time, int batch) {
        return new float[][] {model.predictEps(x, time, batch)};
      }
    };
  }
}
