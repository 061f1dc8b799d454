package dev.dpm.client;

/**
 * What {@link DpmClient#sample(JobRequest)} returns: the succeeded job and its samples.
 *
 * @param job the job, succeeded, with its filled-in sampler, seed, timings and result links
 * @param samples all samples, shape {@code [n, ...sampleShape]}, in the model's data range (null
 *     when the request's {@code outputs} left out npy)
 */
public record SampleResult(Job job, NpyArray samples) {}
