/**
 * The per-model batching engine: {@link dev.dpm.server.engine.BatchEngine} runs every job's
 * sampling processes on one thread that owns the network, packing rows of all running jobs into
 * each evaluation. Scheduling decisions are pure classes with their own tests:
 * {@link dev.dpm.server.engine.Admission} (which waiting jobs start: priority, cap on rows in
 * flight, {@link dev.dpm.server.engine.BatchingMode}) and {@link dev.dpm.server.engine.RowPacker}
 * (which rows go into the next evaluation). Failures are the closed set
 * {@link dev.dpm.server.engine.Failure}.
 */
package dev.dpm.server.engine;
