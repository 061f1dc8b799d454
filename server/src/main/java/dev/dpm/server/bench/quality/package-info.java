/**
 * Parts of the quality benchmark ({@link dev.dpm.server.bench.QualityBenchmark}): settings, the
 * model under test, the shared-evaluation likelihood bound, feature networks, result storage for
 * resuming, the Markdown report and the XChart plots.
 */
package dev.dpm.server.bench.quality;
