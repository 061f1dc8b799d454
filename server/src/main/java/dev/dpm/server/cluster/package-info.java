/**
 * Cluster mode: API nodes and workers on Vert.x's clustered event bus (Hazelcast, discovery by a TCP member list)
 * around the shared PostgreSQL store of {@code server.store.pg}. {@link dev.dpm.server.cluster.ClusterBackend}
 * assembles a node for {@link dev.dpm.server.DpmServer}: events go over the bus to every node's WebSocket hub
 * ({@link dev.dpm.server.cluster.BusEvents}), reads and cancels of jobs on other nodes go to the node that holds
 * them ({@link dev.dpm.server.cluster.Peers}), and workers claim jobs with leases
 * ({@link dev.dpm.server.cluster.LeaseKeeper}). See docs/cluster.md.
 */
package dev.dpm.server.cluster;
