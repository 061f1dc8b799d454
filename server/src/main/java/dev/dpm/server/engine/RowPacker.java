package dev.dpm.server.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Decides how many rows each job puts into the next network evaluation of at most
 * {@code capacity} rows. Pure: no clock, no threads; the only state is the rotation, which moves
 * one job on per {@link #pack}.
 *
 * <p>The policy, in order of precedence:
 *
 * <ol>
 *   <li><b>No starvation.</b> A job that has pending rows and got none in its last
 *       {@code maxSkips} evaluations in a row ({@link Demand#skipped()} ≥ maxSkips) is served
 *       first, with its fair share min(pending, max(1, capacity/k)) over all k jobs.
 *   <li><b>Tenants.</b> Then the tenants ({@link Demand#tenant()}) with pending rows share the capacity
 *       left equally: each gets max(1, left/T) (at most what its jobs have pending), then what is left over
 *       goes to the tenants that can still use it, in rotating order. A tenant with 20 jobs and a tenant
 *       with one each get half the rows, not 20/21 and 1/21.
 *   <li><b>Priority within a tenant.</b> A tenant spends its rows on its jobs by priority, highest first:
 *       a tier of equal priority is packed fully before the next lower tier gets the rows left. Priority
 *       orders a tenant's own jobs; it does not take rows from another tenant.
 *   <li><b>Round-robin within a tier.</b> Each job of the tier gets an equal share
 *       max(1, left/k_tier) (at most what it has pending), then the leftover is filled in
 *       rotating order, starting at the job after the one that started last time.
 * </ol>
 *
 * With one tenant (a server without API keys: every job's tenant is null), one priority and no starved
 * job this is exactly the engine's historical policy (equal share, then leftover in rotating order).
 * The packer decides only how many rows of each job go into an evaluation, never which values, so it
 * cannot change a job's samples.
 */
public final class RowPacker {
  /**
   * One job's demand at a step boundary.
   *
   * @param pending rows it could evaluate now (its unfinished samples), ≥ 0
   * @param priority higher goes first (among its tenant's jobs)
   * @param skipped evaluations in a row in which it had pending rows and got none
   * @param tenant the tenant that owns it, or null (jobs of a server without API keys: one tenant)
   */
  public record Demand(int pending, int priority, int skipped, String tenant) {
    /** Validates the counts. */
    public Demand {
      if (pending < 0 || skipped < 0) {
        throw new IllegalArgumentException("pending and skipped must be >= 0");
      }
    }

    /**
     * A job without a tenant.
     *
     * @param pending rows it could evaluate now
     * @param priority higher goes first
     * @param skipped evaluations in a row left out
     */
    public Demand(int pending, int priority, int skipped) {
      this(pending, priority, skipped, null);
    }
  }

  private final int capacity;
  private final int maxSkips;
  private int rotation;

  /**
   * @param capacity rows per evaluation, ≥ 1
   * @param maxSkips evaluations a job with pending rows may be left out in a row, ≥ 1
   */
  public RowPacker(int capacity, int maxSkips) {
    if (capacity < 1 || maxSkips < 1) {
      throw new IllegalArgumentException("capacity and maxSkips must be at least 1");
    }
    this.capacity = capacity;
    this.maxSkips = maxSkips;
  }

  /** @return rows per evaluation */
  public int capacity() {
    return capacity;
  }

  /**
   * Packs one evaluation and advances the rotation.
   *
   * @param demands the jobs, in a stable order (the engine's admission order)
   * @return rows per job, same order; the sum is at most {@link #capacity()} and each entry at
   *     most the job's pending rows
   */
  public int[] pack(List<Demand> demands) {
    int k = demands.size();
    int[] take = new int[k];
    if (k == 0) {
      return take;
    }
    int start = rotation % k;
    rotation = (rotation + 1) % k;
    List<Integer> starved = new ArrayList<>();
    Map<String, TreeMap<Integer, List<Integer>>> tenants = new LinkedHashMap<>(); // rotation order of first job
    for (int a = 0; a < k; a++) {
      int i = (start + a) % k;
      Demand dm = demands.get(i);
      if (dm.pending() == 0) {
        continue;
      }
      if (dm.skipped() >= maxSkips) {
        starved.add(i);
      }
      tenants.computeIfAbsent(Objects.requireNonNullElse(dm.tenant(), ""), t -> new TreeMap<>((x, y) -> Integer.compare(y, x)))
          .computeIfAbsent(dm.priority(), p -> new ArrayList<>()).add(i);
    }
    int left = capacity;
    int fair = Math.max(1, capacity / k);
    for (int i : starved) { // first: the fair share of every starved job
      int n = Math.min(Math.min(fair, demands.get(i).pending()), left);
      take[i] += n;
      left -= n;
    }
    if (tenants.isEmpty() || left == 0) {
      return take;
    }
    int share = Math.max(1, left / tenants.size());
    for (int pass = 0; pass < 2 && left > 0; pass++) { // equal shares per tenant, then the leftover in turn
      for (TreeMap<Integer, List<Integer>> tiers : tenants.values()) {
        if (left == 0) {
          break;
        }
        int budget = pass == 0 ? Math.min(share, left) : left;
        left -= budget - fillTenant(demands, tiers, take, budget);
      }
    }
    return take;
  }

  /** A tenant's rows over its tiers, highest priority first; returns what is left of {@code budget}. */
  private static int fillTenant(List<Demand> demands, TreeMap<Integer, List<Integer>> tiers, int[] take, int budget) {
    for (List<Integer> tier : tiers.values()) {
      if (budget == 0) {
        break;
      }
      budget = fillTier(demands, tier, take, budget);
    }
    return budget;
  }

  /** Equal share of {@code left} over the tier, then leftover in rotating order; returns what is left. */
  private static int fillTier(List<Demand> demands, List<Integer> tier, int[] take, int left) {
    int share = Math.max(1, left / tier.size());
    for (int pass = 0; pass < 2 && left > 0; pass++) {
      for (int i : tier) {
        if (left == 0) {
          break;
        }
        int want = demands.get(i).pending() - take[i];
        if (pass == 0) {
          want = Math.min(want, share);
        }
        int n = Math.min(want, left);
        take[i] += n;
        left -= n;
      }
    }
    return left;
  }

  /**
   * The fairness state after an evaluation.
   *
   * @param before the job's {@link Demand#skipped()}
   * @param pending its pending rows at the evaluation
   * @param taken rows it got
   * @return 0 if it got rows (or had none pending), else {@code before + 1}
   */
  public static int skippedAfter(int before, int pending, int taken) {
    return taken > 0 || pending == 0 ? 0 : before + 1;
  }
}
