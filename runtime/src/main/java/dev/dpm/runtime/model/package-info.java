/**
 * Model folders: manifests ({@code model.json}, {@link dev.dpm.runtime.model.ModelSpec}), diffusers
 * scheduler configs ({@link dev.dpm.runtime.model.DiffusersConfig}), the loader with its hash check
 * ({@link dev.dpm.runtime.model.ModelLoader}) and the TorchScript predictor (docs/models.md).
 */
package dev.dpm.runtime.model;
