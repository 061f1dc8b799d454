/**
 * API keys, tenants and scopes, free of HTTP: the key file ({@link dev.dpm.server.security.ApiKeyFile}, hashes only),
 * the verifier the server consults on every request ({@link dev.dpm.server.security.ApiKeys}, answering a sealed
 * {@link dev.dpm.server.security.Authentication}), and the caller it yields ({@link dev.dpm.server.security.Principal}).
 * The API edge maps the outcomes to 401/403/404 problems.
 */
package dev.dpm.server.security;
