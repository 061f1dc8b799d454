/**
 * The shared PostgreSQL store of cluster mode: the job table with leases ({@link dev.dpm.server.store.pg.PgJobStore}),
 * result files as {@code bytea} rows ({@link dev.dpm.server.store.pg.PgResultStore}), a connection that reopens after
 * a database restart, and the embedded PostgreSQL of {@code ./dpm store start} and the tests
 * ({@link dev.dpm.server.store.pg.EmbeddedStore}).
 */
package dev.dpm.server.store.pg;
