/**
 * Likelihood: the variational bound in bits/dim of DDPM-type reverse processes (posterior, forward
 * and Analytic-DPM variances) on any trajectory, with the discretised-Gaussian decoder for 8-bit
 * data or a Gaussian decoder for continuous data ({@link dev.dpm.core.likelihood.VariationalBound}).
 */
package dev.dpm.core.likelihood;
