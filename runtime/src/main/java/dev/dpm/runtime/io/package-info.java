/**
 * Data files: NumPy {@code .npy} ({@link dev.dpm.runtime.io.Npy}), MNIST-format IDX
 * ({@link dev.dpm.runtime.io.Idx}), and loading them as rows in a model's coordinates
 * ({@link dev.dpm.runtime.io.DataSets}, {@link dev.dpm.core.data.DataSet}). Pure Java, no native code.
 */
package dev.dpm.runtime.io;
