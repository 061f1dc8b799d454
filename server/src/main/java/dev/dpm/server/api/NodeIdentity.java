package dev.dpm.server.api;

import io.vertx.core.json.JsonObject;

/**
 * Which node of a cluster answers: {@code /health} and {@code /health/ready} name it, so that a load balancer's
 * checks and an operator's {@code curl} tell the nodes apart (a single node has none).
 *
 * @param id the node id (its leases, bus addresses and the {@code node} label of its metrics)
 * @param role {@code api}, {@code worker} or {@code all}
 */
public record NodeIdentity(String id, String role) {
  /**
   * @param body a health answer
   * @return it, with {@code node} and {@code role}
   */
  JsonObject into(JsonObject body) {
    return body.put("node", id).put("role", role);
  }
}
