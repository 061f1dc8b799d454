package dev.dpm.cli;

import ai.djl.Device;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options naming a model: {@code --model}, {@code --models}, {@code --device}. */
public final class ModelOptions {
  /** Where a TorchScript network runs. */
  public enum DeviceKind {
    /** The CPU (default). */
    cpu,
    /** The first GPU (needs the CUDA build of libtorch: {@code mvn -Ppytorch-cuda}). */
    gpu
  }

  @Option(names = "--model", required = true, paramLabel = "NAME|DIR",
      description = "Model: a name of the models directory, or a model folder holding model.json"
          + " (./dpm import writes one).")
  String model;

  @Option(names = "--models", paramLabel = "DIR",
      description = "Models directory (default: $DPM_MODELS, else models/ next to ./dpm).")
  Path modelsDir;

  @Option(names = "--device", paramLabel = "cpu|gpu", defaultValue = "cpu",
      description = "Where a TorchScript network runs (default: ${DEFAULT-VALUE}).")
  DeviceKind device;

  /** @return the models folder in effect */
  public Path modelsDir() {
    return modelsDir != null ? modelsDir : ModelLoader.defaultModelsDir();
  }

  /** @return the DJL device */
  public Device djlDevice() {
    return device == DeviceKind.gpu ? Device.gpu() : Device.cpu();
  }

  /**
   * @return the model's manifest
   * @throws UsageError for an unknown model or an invalid manifest
   */
  public ModelSpec spec() {
    try {
      return ModelLoader.spec(modelsDir(), model);
    } catch (IOException e) {
      throw new UsageError(e.getMessage(), e);
    }
  }

  /**
   * @return the loaded model (close it)
   * @throws UsageError for an unknown model, a hash mismatch or an unreadable network
   */
  public LoadedModel load() {
    ModelSpec spec = spec();
    try {
      return ModelLoader.load(spec, djlDevice());
    } catch (IOException e) {
      throw new UsageError(e.getMessage(), e);
    }
  }
}
