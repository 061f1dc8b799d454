/**
 * Parts of the quality benchmark ({@link dev.dpm.bench.QualityBenchmark}): settings, the
 * model under test, the shared-evaluation likelihood bound, feature networks, result storage for
 * resuming, the Markdown report and the XChart plots.
 */
package dev.dpm.bench.quality;
