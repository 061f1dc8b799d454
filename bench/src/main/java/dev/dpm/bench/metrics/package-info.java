/**
 * Sample-quality metrics: the Fréchet distance between fitted feature Gaussians
 * ({@link dev.dpm.bench.metrics.FrechetDistance}, FID's statistic on any feature extractor) and the
 * RBF-kernel MMD² ({@link dev.dpm.bench.metrics.Mmd}), including an estimator against an exactly
 * known Gaussian mixture for the 2-D oracle benchmarks.
 */
package dev.dpm.bench.metrics;
