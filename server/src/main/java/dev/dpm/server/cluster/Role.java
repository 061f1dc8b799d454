package dev.dpm.server.cluster;

import java.util.Locale;

/** What a node of a cluster does. */
public enum Role {
  /** Takes requests, streams events, serves results; runs no job. */
  API,
  /** Claims jobs of its models from the store and runs them (it still answers HTTP: {@code /health}, reads). */
  WORKER,
  /** Both. */
  ALL;

  /** @return true for roles that run jobs */
  public boolean runsJobs() {
    return this != API;
  }

  /** @return the command-line spelling */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param s {@code api}, {@code worker} or {@code all}
   * @return the role
   * @throws IllegalArgumentException for anything else
   */
  public static Role parse(String s) {
    for (Role r : values()) {
      if (r.wire().equals(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException("role must be api, worker or all, not '" + s + "'");
  }
}
