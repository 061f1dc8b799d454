package dev.dpm.server.jobs;

import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.engine.BatchEngine;
import dev.dpm.server.engine.BatchingMode;
import dev.dpm.server.engine.EngineJob;
import dev.dpm.server.engine.EngineListener;
import dev.dpm.server.models.ServedModel;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link BatchEngine} per served model version. The engine of a loaded version is the current one for its
 * name ({@link #current()}, what readiness and {@code /v1/models} show); the engine of a retired version (unloaded,
 * or replaced by a reload) keeps running the jobs that hold a lease on it and is stopped after the last of them
 * ({@link #stopIfDrained}). The engine itself holds a lease on its version, so the network is closed only after
 * the engine thread has stopped.
 *
 * <p>Threads: {@link #add} runs on the caller of a registry operation; {@link #stopIfDrained} on dpm-jobs; the maps
 * are concurrent.
 */
final class ModelEngines {
  private static final Logger LOG = LoggerFactory.getLogger(ModelEngines.class);
  private final ServerConfig config;
  private final EngineListener listener;
  private final MeterRegistry registry;
  private final Map<String, BatchEngine> current = new ConcurrentHashMap<>();
  private final Map<ServedModel, BatchEngine> byVersion = new ConcurrentHashMap<>(); // ServedModel: identity
  private volatile boolean started;

  ModelEngines(ServerConfig config, EngineListener listener, MeterRegistry registry) {
    this.config = config;
    this.listener = listener;
    this.registry = registry;
  }

  /**
   * Makes the engine of a version (started at once when the service has started) and makes it current.
   *
   * @param m a loaded version
   * @return its engine, or null when the version was retired already
   */
  synchronized BatchEngine add(ServedModel m) {
    if (byVersion.containsKey(m)) {
      return byVersion.get(m);
    }
    if (!m.acquire()) { // the engine's own lease
      return null;
    }
    BatchEngine e = new BatchEngine(m.name(), m.predictor(), config.maxBatch(),
        Math.max(1.0, m.context().schedule().steps() / 2.0), listener, registry,
        config.progressIntervalMs(), config.previewIntervalMs());
    e.batchWindow(config.batchWindowMs(), config.batchGapMs());
    if (config.maxRowsInFlight() > 0) {
      e.scheduling(BatchingMode.STEP, config.maxRowsInFlight());
    }
    e.overlap(config.engineOverlap());
    byVersion.put(m, e);
    current.put(m.name(), e);
    if (started) {
      e.start(config.warmup());
    }
    return e;
  }

  /** Starts the engines made so far (the service's start); later ones start when added. */
  synchronized void startAll() {
    started = true;
    for (BatchEngine e : byVersion.values()) {
      e.start(config.warmup());
    }
  }

  /**
   * @param m a version
   * @return its engine, or null (never loaded here, or stopped)
   */
  BatchEngine of(ServedModel m) {
    return m == null ? null : byVersion.get(m);
  }

  /**
   * The version is no longer current: its name leaves {@link #current()} unless a newer version took it.
   *
   * @param m a retired version
   */
  synchronized void retire(ServedModel m) {
    BatchEngine e = byVersion.get(m);
    if (e != null) {
      current.remove(m.name(), e);
    }
  }

  /**
   * Stops a retired version's engine once no job holds a lease on it, and returns the engine's lease (which closes
   * the network). Nothing for a version still served or still running jobs.
   *
   * @param m a version
   * @return whether its engine was stopped now
   */
  synchronized boolean stopIfDrained(ServedModel m) {
    if (!m.retired() || m.leases() > 1 || !byVersion.containsKey(m)) {
      return false;
    }
    BatchEngine e = byVersion.remove(m);
    current.remove(m.name(), e);
    e.stop();
    m.release();
    LOG.info("event=engine-stopped model={} version={} reason=retired", m.name(), m.version());
    return true;
  }

  /** @return the current engine of each served model, by name (a live, unmodifiable view) */
  Map<String, BatchEngine> current() {
    return Collections.unmodifiableMap(current);
  }

  /** @return every engine, current or draining */
  List<BatchEngine> all() {
    return new ArrayList<>(byVersion.values());
  }

  /**
   * Stops every engine (shutdown). The served models are closed by their registry; a retired version still
   * draining is closed here (the registry no longer holds it).
   *
   * @return the jobs they had not finished
   */
  synchronized List<EngineJob> stopAll() {
    List<EngineJob> left = new ArrayList<>();
    for (Map.Entry<ServedModel, BatchEngine> e : byVersion.entrySet()) {
      left.addAll(e.getValue().stop());
      if (e.getKey().retired()) {
        e.getKey().close();
      }
    }
    return left;
  }
}
