package dev.dpm.server.security;

/** The outcome of checking a request's credentials; the API edge maps it to HTTP (401 for the failures). */
public sealed interface Authentication {
  /** @param principal the caller */
  record Ok(Principal principal) implements Authentication {}

  /** No credentials were sent, and this server needs them. */
  record Missing() implements Authentication {}

  /** @param reason why the credentials were refused (malformed, unknown or revoked key); never echoes the key */
  record Invalid(String reason) implements Authentication {}
}
