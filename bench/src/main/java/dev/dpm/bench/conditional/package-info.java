/**
 * The conditional tables of the quality benchmark (issue 13, item 5): for a class-conditional model, FD per class
 * and pooled, class accuracy by a classifier, a guidance sweep over w and K for each method (ddpm, analytic-ddpm,
 * ddim, analytic-ddim with the same w and seed), and the unconditional (null-label) rows, with XChart plots and a
 * Markdown report beside the plain quality report.
 */
package dev.dpm.bench.conditional;
