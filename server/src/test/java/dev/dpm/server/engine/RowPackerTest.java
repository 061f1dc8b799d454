package dev.dpm.server.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packing policy: capacity, equal shares across tenants then jobs, rotation, priority first, no starvation. */
class RowPackerTest {
  /** A job in a simulated run: rows pending every step, its priority and fairness state. */
  private static final class Lane {
    final int pending;
    final int priority;
    final String tenant;
    int skipped;
    int maxSkipped;
    long rows;

    Lane(int pending, int priority) {
      this(pending, priority, null);
    }

    Lane(int pending, int priority, String tenant) {
      this.pending = pending;
      this.priority = priority;
      this.tenant = tenant;
    }
  }

  /** Runs {@code evaluations} packs over lanes whose demand never shrinks; returns the last pack. */
  private static int[] simulate(RowPacker p, List<Lane> lanes, int evaluations) {
    int[] take = null;
    for (int e = 0; e < evaluations; e++) {
      List<RowPacker.Demand> d = new ArrayList<>();
      for (Lane l : lanes) {
        d.add(new RowPacker.Demand(l.pending, l.priority, l.skipped, l.tenant));
      }
      take = p.pack(d);
      for (int i = 0; i < take.length; i++) {
        Lane l = lanes.get(i);
        l.skipped = RowPacker.skippedAfter(l.skipped, l.pending, take[i]);
        l.maxSkipped = Math.max(l.maxSkipped, l.skipped);
        l.rows += take[i];
      }
    }
    return take;
  }

  private static RowPacker.Demand dm(int pending) {
    return new RowPacker.Demand(pending, 0, 0);
  }

  @Test
  void everythingFitsSoEveryJobGetsAllItsRows() {
    RowPacker p = new RowPacker(64, 8);
    assertArrayEquals(new int[] {10, 20, 3}, p.pack(List.of(dm(10), dm(20), dm(3))));
  }

  @Test
  void equalSharesThenLeftoverToTheOthers() {
    RowPacker p = new RowPacker(64, 8);
    // share 64/3 = 21 each; 17 left over go, in rotation order, to the first big job
    assertArrayEquals(new int[] {38, 5, 21, 0}, p.pack(List.of(dm(100), dm(5), dm(100), dm(0))));
  }

  @Test
  void roundRobinGivesEqualTotalsOverAFullRotation() {
    List<Lane> lanes = List.of(new Lane(100, 0), new Lane(100, 0), new Lane(100, 0));
    simulate(new RowPacker(64, 8), lanes, 30); // 64 = 21+21+21 + 1 leftover that rotates
    for (Lane l : lanes) {
      assertEquals(640, l.rows, "each of 3 jobs gets 64·30/3 rows");
      assertEquals(0, l.maxSkipped);
    }
  }

  @Test
  void moreJobsThanRowsTakeTurnsAndNoneStarves() {
    List<Lane> lanes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      lanes.add(new Lane(1, 0));
    }
    simulate(new RowPacker(4, 8), lanes, 100);
    for (Lane l : lanes) {
      assertEquals(40, l.rows, "4 rows per evaluation over 10 jobs for 100 evaluations");
      assertTrue(l.maxSkipped <= 6, "a job waits at most k − capacity evaluations: " + l.maxSkipped);
    }
  }

  @Test
  void higherPriorityRowsGoFirst() {
    RowPacker p = new RowPacker(64, 8);
    List<RowPacker.Demand> d = List.of(new RowPacker.Demand(64, 0, 0), new RowPacker.Demand(64, 5, 0));
    assertArrayEquals(new int[] {0, 64}, p.pack(d));
    d = List.of(new RowPacker.Demand(64, 0, 0), new RowPacker.Demand(10, 5, 0), new RowPacker.Demand(30, 1, 0));
    assertArrayEquals(new int[] {24, 10, 30}, p.pack(d), "the rest, tier by tier");
  }

  @Test
  void lowPriorityIsNeverLeftOutLongerThanMaxSkips() {
    Lane low = new Lane(64, 0);
    Lane high = new Lane(64, 9);
    List<Lane> lanes = List.of(low, high);
    simulate(new RowPacker(64, 8), lanes, 90);
    assertEquals(8, low.maxSkipped, "left out 8 evaluations in a row, then served");
    assertEquals(10 * 32, low.rows, "its fair share (64/2) once every 9 evaluations");
    assertEquals(90 * 64 - 10 * 32, high.rows, "the high-priority job gets everything else");
  }

  @Test
  void neverMoreThanCapacityNorMoreThanPending() {
    Random rnd = new Random(7);
    RowPacker p = new RowPacker(37, 3);
    for (int trial = 0; trial < 2000; trial++) {
      int k = 1 + rnd.nextInt(12);
      List<RowPacker.Demand> d = new ArrayList<>();
      int pendingAll = 0;
      for (int i = 0; i < k; i++) {
        int pend = rnd.nextInt(30);
        pendingAll += pend;
        d.add(new RowPacker.Demand(pend, rnd.nextInt(3), rnd.nextInt(5)));
      }
      int[] take = p.pack(d);
      int sum = 0;
      for (int i = 0; i < k; i++) {
        assertTrue(take[i] >= 0 && take[i] <= d.get(i).pending(), "row count within pending");
        sum += take[i];
      }
      assertEquals(Math.min(37, pendingAll), sum, "the batch is as full as the demand allows");
    }
  }

  @Test
  void aTenantWithOneJobGetsHalfTheRowsBesideATenantWithTwenty() {
    List<Lane> lanes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      lanes.add(new Lane(16, 0, "a"));
    }
    Lane b = new Lane(64, 0, "b");
    lanes.add(10, b); // anywhere in the admission order
    simulate(new RowPacker(64, 8), lanes, 42);
    assertEquals(42 * 32, b.rows, "half of every evaluation, not 1/21");
    long a = lanes.stream().filter(l -> l != b).mapToLong(l -> l.rows).sum();
    assertEquals(42 * 32, a, "the other half to tenant a");
    for (Lane l : lanes) {
      assertEquals(0, l.maxSkipped, "every job of tenant a still gets rows at every evaluation");
      if (l != b) {
        assertTrue(l.rows >= 42, "a's half is shared over all its jobs (one row each, the leftover in turn): "
            + l.rows);
      }
    }
  }

  @Test
  void withoutTenantsTheSameJobsShareRowsPerJob() {
    List<Lane> lanes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      lanes.add(new Lane(16, 0));
    }
    Lane b = new Lane(64, 0);
    lanes.add(b);
    simulate(new RowPacker(64, 8), lanes, 42);
    assertTrue(b.rows <= 42 * 4, "one job of 21 gets about 64/21 rows per evaluation: " + b.rows);
  }

  @Test
  void aTenantsUnusedShareGoesToTheOthers() {
    RowPacker p = new RowPacker(64, 8);
    List<RowPacker.Demand> d = List.of(new RowPacker.Demand(10, 0, 0, "a"), new RowPacker.Demand(100, 0, 0, "b"));
    assertArrayEquals(new int[] {10, 54}, p.pack(d));
    d = List.of(new RowPacker.Demand(100, 0, 0, "a"), new RowPacker.Demand(100, 0, 0, "b"),
        new RowPacker.Demand(100, 0, 0, "c"));
    int[] take = p.pack(d);
    assertEquals(64, take[0] + take[1] + take[2]);
    for (int t : take) {
      assertTrue(t == 21 || t == 22, "64/3 each, the leftover row to one: " + t);
    }
  }

  @Test
  void priorityOrdersATenantsOwnJobsAndTakesNothingFromAnother() {
    RowPacker p = new RowPacker(64, 8);
    List<RowPacker.Demand> d = List.of(new RowPacker.Demand(64, 0, 0, "a"), new RowPacker.Demand(64, 9, 0, "b"),
        new RowPacker.Demand(64, 0, 0, "b"));
    assertArrayEquals(new int[] {32, 32, 0}, p.pack(d), "b's priority-9 job takes b's half, not a's");
  }

  @Test
  void oneTenantPacksExactlyLikeNoTenant() {
    Random rnd = new Random(11);
    RowPacker named = new RowPacker(29, 3);
    RowPacker anonymous = new RowPacker(29, 3);
    for (int trial = 0; trial < 2000; trial++) {
      int k = 1 + rnd.nextInt(10);
      List<RowPacker.Demand> a = new ArrayList<>();
      List<RowPacker.Demand> b = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        int pend = rnd.nextInt(20);
        int prio = rnd.nextInt(3);
        int skip = rnd.nextInt(5);
        a.add(new RowPacker.Demand(pend, prio, skip, "only"));
        b.add(new RowPacker.Demand(pend, prio, skip));
      }
      assertArrayEquals(anonymous.pack(b), named.pack(a));
    }
  }

  @Test
  void withTenantsNeverMoreThanCapacityNorMoreThanPending() {
    Random rnd = new Random(5);
    RowPacker p = new RowPacker(41, 3);
    for (int trial = 0; trial < 2000; trial++) {
      int k = 1 + rnd.nextInt(12);
      List<RowPacker.Demand> d = new ArrayList<>();
      int pendingAll = 0;
      for (int i = 0; i < k; i++) {
        int pend = rnd.nextInt(30);
        pendingAll += pend;
        d.add(new RowPacker.Demand(pend, rnd.nextInt(3), rnd.nextInt(5), rnd.nextBoolean() ? null : "t" + rnd.nextInt(3)));
      }
      int[] take = p.pack(d);
      int sum = 0;
      for (int i = 0; i < k; i++) {
        assertTrue(take[i] >= 0 && take[i] <= d.get(i).pending(), "row count within pending");
        sum += take[i];
      }
      assertEquals(Math.min(41, pendingAll), sum, "the batch is as full as the demand allows");
    }
  }
}
