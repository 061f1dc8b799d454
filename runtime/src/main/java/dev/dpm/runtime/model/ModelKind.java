package dev.dpm.runtime.model;

/** How a model's ε is computed. */
public enum ModelKind {
  /** A TorchScript network run by DJL's PyTorch engine. */
  TORCHSCRIPT,
  /** The exact Gaussian-mixture oracle (closed-form score). */
  GAUSSIAN_MIXTURE
}
