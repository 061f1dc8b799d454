package dev.dpm.server.cluster;

import java.util.List;
import java.util.UUID;

/**
 * The settings of one node of a cluster (validated).
 *
 * @param storeUrl the shared store, {@code jdbc:postgresql://HOST:PORT/DB}
 * @param storeUser database user or null (the URL's)
 * @param storePassword database password or null
 * @param role api, worker or all
 * @param host this node's address for Hazelcast and the event bus (one the other nodes reach)
 * @param port Hazelcast port (the event bus takes a free port on the same address)
 * @param members the Hazelcast member list, {@code host:port} each (this node may be among them)
 * @param clusterName Hazelcast cluster name (nodes with another name do not join)
 * @param nodeId this node's id (leases, bus addresses, the {@code node} tag of metrics)
 * @param leaseSeconds lease length: a lost worker's jobs are taken over after at most this long
 * @param maxJobs jobs a worker holds at once per model (queued there or running)
 * @param claimIntervalMs how often a worker with room looks for jobs
 */
public record ClusterConfig(String storeUrl, String storeUser, String storePassword, Role role, String host, int port,
    List<String> members, String clusterName, String nodeId, double leaseSeconds, int maxJobs, long claimIntervalMs) {

  /** Validates. */
  public ClusterConfig {
    members = List.copyOf(members);
    check(storeUrl != null && storeUrl.startsWith("jdbc:postgresql://"), "--store must be a jdbc:postgresql:// URL");
    check(role != null, "--role is required");
    check(host != null && !host.isBlank(), "--cluster-host is required");
    check(port >= 1 && port <= 65535, "--cluster-port must be 1..65535");
    check(leaseSeconds >= 1 && leaseSeconds <= 10, "the lease must be 1..10 s");
    check(maxJobs >= 1, "--max-jobs must be at least 1");
    check(claimIntervalMs >= 10, "the claim interval must be at least 10 ms");
    check(nodeId != null && nodeId.matches("[A-Za-z0-9_.-]{1,64}"), "--node-id must be 1..64 of [A-Za-z0-9_.-]");
    check(clusterName != null && !clusterName.isBlank(), "the cluster name must not be blank");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** @return a builder with the defaults */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link ClusterConfig}: {@code set…} are required, {@code opt…} optional. */
  public static final class Builder {
    private String storeUrl;
    private String storeUser;
    private String storePassword;
    private Role role;
    private String host;
    private int port = 5701;
    private List<String> members = List.of();
    private String clusterName = "dpm";
    private String nodeId;
    private double leaseSeconds = 10;
    private int maxJobs = 16;
    private long claimIntervalMs = 200;

    private Builder() {}

    /** @param v the store URL @return this */
    public Builder setStore(String v) { storeUrl = v; return this; }
    /** @param v role @return this */
    public Builder setRole(Role v) { role = v; return this; }
    /** @param v this node's address @return this */
    public Builder setHost(String v) { host = v; return this; }
    /** @param user database user (null: the URL's) @param password password or null @return this */
    public Builder optCredentials(String user, String password) { storeUser = user; storePassword = password; return this; }
    /** @param v Hazelcast port (default 5701) @return this */
    public Builder optPort(int v) { port = v; return this; }
    /** @param v member list (default: this node alone) @return this */
    public Builder optMembers(List<String> v) { members = v; return this; }
    /** @param v cluster name (default dpm) @return this */
    public Builder optClusterName(String v) { clusterName = v; return this; }
    /** @param v node id (default ROLE-HOST-PORT-random) @return this */
    public Builder optNodeId(String v) { nodeId = v; return this; }
    /** @param v lease in seconds (default 10) @return this */
    public Builder optLeaseSeconds(double v) { leaseSeconds = v; return this; }
    /** @param v jobs a worker holds per model (default 16) @return this */
    public Builder optMaxJobs(int v) { maxJobs = v; return this; }
    /** @param v claim interval in ms (default 200) @return this */
    public Builder optClaimIntervalMs(long v) { claimIntervalMs = v; return this; }

    /**
     * @return the configuration
     * @throws IllegalArgumentException naming the setting at fault
     */
    public ClusterConfig build() {
      String id = nodeId != null ? nodeId : (role == null ? "node" : role.wire()) + "-"
          + (host == null ? "" : host.replaceAll("[^A-Za-z0-9_.-]", "_")) + "-" + port + "-"
          + UUID.randomUUID().toString().substring(0, 6);
      List<String> m = members.isEmpty() && host != null ? List.of(host + ":" + port) : members;
      return new ClusterConfig(storeUrl, storeUser, storePassword, role, host, port, m, clusterName, id, leaseSeconds,
          maxJobs, claimIntervalMs);
    }
  }
}
