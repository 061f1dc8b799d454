/** Discrete noise schedules β[0..N] (β₀ = 0) and their cumulative and skip quantities, in double precision. */
package dev.dpm.core.schedule;
