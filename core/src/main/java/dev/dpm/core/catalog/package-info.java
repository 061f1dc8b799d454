/** Entry points over every sampler family: {@link dev.dpm.core.catalog.Samplers#create}. */
package dev.dpm.core.catalog;
