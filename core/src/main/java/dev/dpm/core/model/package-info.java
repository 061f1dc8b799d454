/**
 * Models: the manifest ({@code models/<name>/model.json}), and {@link dev.dpm.core.model.NoisePredictor}
 * implementations that map a batch (x, t) to ε — TorchScript through DJL and the exact
 * Gaussian-mixture oracle.
 */
package dev.dpm.core.model;
