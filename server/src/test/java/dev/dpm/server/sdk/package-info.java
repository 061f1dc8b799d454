/**
 * The Java SDK ({@code dev.dpm.client}) and the CLI's remote commands against the real server,
 * started in-process, with faults injected by a TCP proxy.
 */
package dev.dpm.server.sdk;
