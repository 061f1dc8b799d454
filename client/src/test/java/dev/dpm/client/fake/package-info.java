/** Test fixtures: a fake DPM Server (HTTP + WebSocket) for the SDK's unit tests. */
package dev.dpm.client.fake;
