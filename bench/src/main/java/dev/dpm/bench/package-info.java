/**
 * Benchmarks that need the whole server: {@link dev.dpm.bench.ServeBenchmark} (throughput of
 * step-level batching across jobs, submit-to-first-progress latency, server overhead per step).
 */
package dev.dpm.bench;
