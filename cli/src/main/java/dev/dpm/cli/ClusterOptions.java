package dev.dpm.cli;

import dev.dpm.server.DpmServer;
import dev.dpm.server.cluster.ClusterBackend;
import dev.dpm.server.cluster.ClusterConfig;
import dev.dpm.server.cluster.Role;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The cluster flags of {@code ./dpm serve} (see docs/cluster.md). The database credentials come from the environment
 * ({@code DPM_STORE_USER}, {@code DPM_STORE_PASSWORD}) or the URL, never from a flag (flags show in {@code ps}).
 */
final class ClusterOptions {
  @Option(names = "--cluster", description = "join a cluster (Hazelcast event bus, shared PostgreSQL store)")
  boolean cluster;
  @Option(names = "--store", paramLabel = "JDBC-URL",
      description = "the shared store, jdbc:postgresql://HOST:PORT/DB (default $DPM_STORE)")
  String store;
  @Option(names = "--role", description = "api | worker | all (default all)")
  String role;
  @Option(names = "--cluster-host", paramLabel = "IP",
      description = "this node's address that the other nodes reach (Hazelcast and the event bus bind it)")
  String clusterHost;
  @Option(names = "--cluster-port", description = "Hazelcast port (default 5701)")
  Integer clusterPort;
  @Option(names = "--members", split = ",", paramLabel = "HOST:PORT",
      description = "the TCP member list (default $DPM_CLUSTER_MEMBERS, else this node alone)")
  List<String> members;
  @Option(names = "--node-id", description = "this node's id (default ROLE-HOST-PORT-random)")
  String nodeId;
  @Option(names = "--lease-seconds", description = "job lease: a lost worker's jobs move after at most this (default 10)")
  Double leaseSeconds;
  @Option(names = "--max-jobs", description = "jobs a worker holds at once per model (default 16)")
  Integer maxJobs;

  /**
   * @param env the environment
   * @return the embedded assembly, or a cluster node's when {@code --cluster} is given
   * @throws IllegalArgumentException naming the flag at fault
   */
  DpmServer.Backend backend(Map<String, String> env) {
    if (!cluster) {
      if (store != null || role != null || clusterHost != null) {
        throw new IllegalArgumentException("--store, --role and --cluster-host need --cluster");
      }
      return DpmServer.EMBEDDED;
    }
    ClusterConfig.Builder b = ClusterConfig.builder()
        .setStore(store != null ? store : env.get("DPM_STORE"))
        .setRole(Role.parse(role != null ? role : "all"))
        .setHost(clusterHost)
        .optCredentials(env.get("DPM_STORE_USER"), env.get("DPM_STORE_PASSWORD"));
    if (clusterPort != null) {
      b.optPort(clusterPort);
    }
    if (members != null) {
      b.optMembers(members);
    } else if (env.get("DPM_CLUSTER_MEMBERS") != null) {
      b.optMembers(Arrays.stream(env.get("DPM_CLUSTER_MEMBERS").split(",")).map(String::trim)
          .filter(s -> !s.isEmpty()).toList());
    }
    if (nodeId != null) {
      b.optNodeId(nodeId);
    }
    if (leaseSeconds != null) {
      b.optLeaseSeconds(leaseSeconds);
    }
    if (maxJobs != null) {
      b.optMaxJobs(maxJobs);
    }
    return new ClusterBackend(b.build());
  }
}
