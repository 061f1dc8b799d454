package dev.dpm.server.security;

import java.util.Objects;

/**
 * The caller of a request.
 *
 * @param tenant the tenant its key belongs to, or null for the single local user of a server without API keys
 * @param scope what it may do
 * @param keyId the id of its key (logs), or null without keys
 */
public record Principal(String tenant, Scope scope, String keyId) {
  /** The only caller of a server without API keys: it sees every job and may do everything. */
  public static final Principal LOCAL = new Principal(null, Scope.ADMIN, null);

  /** Checks the scope. */
  public Principal {
    Objects.requireNonNull(scope, "scope");
  }

  /**
   * @param jobTenant the tenant recorded on a job (null: made without keys)
   * @return whether this caller may see the job (tenants see their own jobs only)
   */
  public boolean owns(String jobTenant) {
    return tenant == null || tenant.equals(jobTenant);
  }

  /**
   * @param needed the scope an operation needs
   * @return whether this caller has it
   */
  public boolean may(Scope needed) {
    return scope.includes(needed);
  }
}
