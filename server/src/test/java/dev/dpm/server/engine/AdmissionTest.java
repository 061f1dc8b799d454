package dev.dpm.server.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which waiting jobs start: the cap on rows in flight, priority, passed-over jobs, the modes. */
class AdmissionTest {
  private static Admission.Waiting w(int rows, int priority, String key, int passed) {
    return new Admission.Waiting(rows, priority, key, passed);
  }

  private static Admission.Waiting w(int rows) {
    return w(rows, 0, "k", 0);
  }

  @Test
  void theCapHoldsJobsBack() {
    Admission a = new Admission(BatchingMode.STEP, 64, 32, 8);
    assertEquals(List.of(0, 1), a.admit(List.of(w(16), w(16), w(16)), 0, 0));
    assertEquals(List.of(0), a.admit(List.of(w(16), w(16)), 1, 10));
    assertEquals(List.of(0, 1, 2), new Admission(BatchingMode.STEP, 64, 0, 8)
        .admit(List.of(w(16), w(16), w(16)), 3, 1000), "0 = no cap");
  }

  @Test
  void aJobLargerThanTheCapRunsAloneOnAnEmptyEngine() {
    Admission a = new Admission(BatchingMode.STEP, 64, 32, 8);
    assertEquals(List.of(0), a.admit(List.of(w(100), w(1)), 0, 0));
    assertEquals(List.of(), a.admit(List.of(w(100), w(1)), 1, 1), "and waits while others run");
  }

  @Test
  void aSmallLaterJobDoesNotOvertakeOneThatDoesNotFit() {
    Admission a = new Admission(BatchingMode.STEP, 64, 40, 8);
    assertEquals(List.of(), a.admit(List.of(w(32), w(8)), 1, 16));
  }

  @Test
  void higherPriorityStartsFirst() {
    Admission a = new Admission(BatchingMode.STEP, 64, 16, 8);
    assertEquals(List.of(2), a.admit(List.of(w(16, 0, "k", 0), w(16, 1, "k", 0), w(16, 5, "k", 0)), 0, 0));
  }

  @Test
  void aJobPassedOverTooOftenGoesFirst() {
    Admission a = new Admission(BatchingMode.STEP, 64, 16, 8);
    assertEquals(List.of(0), a.admit(List.of(w(16, 0, "k", 8), w(16, 5, "k", 0)), 0, 0));
    assertEquals(List.of(1), a.admit(List.of(w(16, 0, "k", 7), w(16, 5, "k", 0)), 0, 0));
  }

  @Test
  void passedOverCountsTheLaterArrivalsThatStarted() {
    List<Admission.Waiting> ws = List.of(w(1, 0, "k", 2), w(1), w(1), w(1));
    assertArrayEquals(new int[] {4, 0, 1, 0}, Admission.passedOverAfter(ws, List.of(3, 1)));
  }

  @Test
  void requestLevelStartsOnlySameKeyCohortsOnAnIdleEngine() {
    Admission a = new Admission(BatchingMode.REQUEST, 16, 0, 8);
    List<Admission.Waiting> ws = List.of(w(4, 0, "ddim-10", 0), w(4, 0, "ddim-20", 0),
        w(8, 0, "ddim-10", 0), w(8, 0, "ddim-10", 0));
    assertEquals(List.of(0, 2), a.admit(ws, 0, 0), "same key, up to one batch of 16 rows");
    assertEquals(List.of(), a.admit(ws, 1, 4), "nothing joins a running cohort");
  }

  @Test
  void noBatchingStartsOneJobAtATime() {
    Admission a = new Admission(BatchingMode.NONE, 64, 0, 8);
    assertEquals(List.of(1), a.admit(List.of(w(1, 0, "k", 0), w(1, 3, "k", 0)), 0, 0));
    assertEquals(List.of(), a.admit(List.of(w(1)), 1, 1));
  }
}
