package dev.dpm.runtime.model;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.schedule.NoiseSchedule;

/**
 * A model ready to sample from: its manifest, schedule, ε predictor and (when calibrated) Γ.
 * Made by {@link ModelLoader}; closing it closes the predictor.
 *
 * @param spec the manifest
 * @param schedule the noise schedule built from the manifest
 * @param predictor the ε predictor (TorchScript network or exact mixture oracle)
 * @param gamma Γ^eps[0..N] from the model's Γ file, or null when there is none (or it is stale)
 * @param gammaNote why {@code gamma} is null although a Γ file exists (e.g. made for another model
 *     file), or null
 * @param guidedGamma Γ of the guided predictor on a grid of w ({@code gamma-guided.json}), or null
 */
public record LoadedModel(
    ModelSpec spec, NoiseSchedule schedule, NoisePredictor predictor, double[] gamma, String gammaNote,
    dev.dpm.core.moments.GuidedGamma guidedGamma)
    implements AutoCloseable {

  /**
   * A model without a guided Γ grid.
   *
   * @param spec the manifest
   * @param schedule the schedule
   * @param predictor the predictor
   * @param gamma Γ or null
   * @param gammaNote note or null
   */
  public LoadedModel(ModelSpec spec, NoiseSchedule schedule, NoisePredictor predictor, double[] gamma,
      String gammaNote) {
    this(spec, schedule, predictor, gamma, gammaNote, null);
  }

  /** Validates that the parts belong together. */
  public LoadedModel {
    if (predictor.dimension() != spec.dimension()) {
      throw new IllegalArgumentException("predictor dimension " + predictor.dimension()
          + " differs from the manifest's " + spec.dimension());
    }
    if (gamma != null && gamma.length != schedule.steps() + 1) {
      throw new IllegalArgumentException("gamma has " + gamma.length + " entries, expected N+1 = "
          + (schedule.steps() + 1));
    }
  }

  /** @return the model's name */
  public String name() {
    return spec.name();
  }

  /** @return what samplers may know about the model (schedule, d, data range, 8-bit, Γ, default trajectory) */
  public ModelContext context() {
    return new ModelContext(schedule, spec.dimension(), spec.dataRange(), spec.eightBit(),
        gamma == null ? null : gamma.clone(), spec.trajectory(), spec.stepsOffset())
        .withHeads(predictor.secondHeads());
  }

  /**
   * @param newGamma Γ^eps[0..N] (e.g. just calibrated)
   * @return the same model with this Γ (sharing the predictor; close only one of them)
   */
  public LoadedModel withGamma(double[] newGamma) {
    return new LoadedModel(spec, schedule, predictor, newGamma.clone(), null, guidedGamma);
  }

  /**
   * @param grid the new guided Γ grid
   * @return the same model with it
   */
  public LoadedModel withGuidedGamma(dev.dpm.core.moments.GuidedGamma grid) {
    return new LoadedModel(spec, schedule, predictor, gamma, gammaNote, grid);
  }

  /** @return the predictor as a conditional one, or null when the model takes no labels */
  public dev.dpm.core.model.ConditionalPredictor conditional() {
    return predictor instanceof dev.dpm.core.model.ConditionalPredictor c ? c : null;
  }

  @Override
  public void close() {
    predictor.close();
  }
}
