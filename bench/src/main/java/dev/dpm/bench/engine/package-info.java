/**
 * The engine benchmark ({@code ./dpm bench engine}): the samplers' host work per step against a
 * {@link dev.dpm.bench.engine.SimulatedAccelerator}, and a mixed Poisson workload under
 * step-level batching, request-level batching and none.
 */
package dev.dpm.bench.engine;
