/**
 * Data files: NumPy {@code .npy} ({@link dev.dpm.core.io.Npy}), MNIST-format IDX
 * ({@link dev.dpm.core.io.Idx}), and loading them as rows in a model's coordinates
 * ({@link dev.dpm.core.io.DataSets}, {@link dev.dpm.core.io.DataSet}). Pure Java, no native code.
 */
package dev.dpm.core.io;
