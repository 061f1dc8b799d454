/**
 * Deterministic, counter-based randomness. A sample's noise depends only on (seed, sample index,
 * draw counter), never on its batch-mates, thread timing or restarts.
 */
package dev.dpm.core.noise;
