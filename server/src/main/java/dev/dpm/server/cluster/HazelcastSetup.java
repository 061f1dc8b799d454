package dev.dpm.server.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The Hazelcast configuration of a node: Vert.x's default maps, discovery by the TCP member list only (multicast and
 * auto-detection off), bound to the node's address, no phone-home, and a short failure detection (a member that
 * stops answering heartbeats leaves after 10 s; a killed process leaves at once when its sockets close).
 */
final class HazelcastSetup {
  private HazelcastSetup() {}

  static HazelcastClusterManager manager(ClusterConfig c) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(c.clusterName());
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false"); // DpmServer.close leaves the cluster in order
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    // the bus keeps small maps (subscriptions, node info): 31 partitions migrate in a blink when a node joins or
    // leaves (the default 271 take seconds on small hosts); every node must use the same number
    hz.setProperty("hazelcast.partition.count", "31");
    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(c.port()).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(true).addInterface(c.host());
    net.setPublicAddress(c.host() + ":" + c.port());
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(c.members()).setConnectionTimeoutSeconds(3);
    return new HazelcastClusterManager(hz);
  }
}
