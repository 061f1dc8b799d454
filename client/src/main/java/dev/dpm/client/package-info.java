/**
 * Java client SDK of DPM Server (diffusion sampling with the Analytic-DPM optimal reverse variance).
 *
 * <p>{@link dev.dpm.client.DpmClient} is the entry point: build one with
 * {@code DpmClient.builder().setBaseUrl(...)}, submit {@link dev.dpm.client.JobRequest}s, follow
 * them with {@link dev.dpm.client.DpmClient#events} (WebSocket, typed callbacks, automatic
 * reconnect) and fetch {@link dev.dpm.client.NpyArray} samples and PNGs. The request and response
 * records mirror {@code openapi.yaml} (a test keeps them in step). Depends only on
 * {@code java.net.http} and Jackson.
 */
package dev.dpm.client;
