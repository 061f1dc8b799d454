package dev.dpm.server.engine;

import dev.dpm.core.model.Condition;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.GuidedBatch;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * The rows of one network evaluation: which process owns row r, and the packed inputs
 * x [rows, d] (row-major) and time [rows], copied once from the processes' pending requests. A
 * class-conditional job's rows carry their {@link Condition}; a guided row becomes two network rows
 * (its label and the null label) of the same call, combined by {@link GuidedBatch} before delivery.
 * When some row asks for a second head (SN/NPR samplers), the batch is evaluated with ε and the heads
 * asked for in one call ({@link NoisePredictor#predict}) and those rows get both.
 */
final class PackedBatch {
  final int rows;
  final EngineJob[] rowJob;
  final SamplingProcess[] rowProc;
  /** Per-row conditions when a job of the batch is class-conditional, else null (plain evaluation). */
  final Condition[] rowCond;
  final float[] x;
  final double[] time;
  /** The jobs with rows in the batch, in packing order. */
  final List<EngineJob> jobs;
  /** Per row, the second head it asked for, or null. */
  private final SecondHead[] rowHead;
  /** The heads some row asked for (empty: ε only, the plain {@code predictEps}). */
  private final Set<SecondHead> heads;
  /** The heads' outputs after {@link #evaluate}, [rows, d] each. */
  private Map<SecondHead, float[]> headOut = Map.of();

  private PackedBatch(int rows, EngineJob[] rowJob, SamplingProcess[] rowProc, Condition[] rowCond, float[] x,
      double[] time, List<EngineJob> jobs, SecondHead[] rowHead, Set<SecondHead> heads) {
    this.rows = rows;
    this.rowJob = rowJob;
    this.rowProc = rowProc;
    this.rowCond = rowCond;
    this.x = x;
    this.time = time;
    this.jobs = jobs;
    this.rowHead = rowHead;
    this.heads = heads;
  }

  /**
   * Takes {@code take[i]} unfinished processes of job i, each job's from its cursor on (so its
   * samples take turns when it gets fewer rows than it has), and copies their inputs.
   *
   * @param active the running jobs
   * @param take rows per job ({@link RowPacker#pack})
   * @param d values per row
   * @param busy processes to leave out (a batch still being handed back; never touched here)
   * @return the batch
   */
  static PackedBatch of(List<EngineJob> active, int[] take, int d, Set<SamplingProcess> busy) {
    int rows = 0;
    for (int t : take) {
      rows += t;
    }
    EngineJob[] rowJob = new EngineJob[rows];
    SamplingProcess[] rowProc = new SamplingProcess[rows];
    Condition[] rowCond = new Condition[rows];
    List<EngineJob> jobs = new ArrayList<>();
    boolean conditional = false;
    int r = 0;
    for (int i = 0; i < take.length; i++) {
      EngineJob j = active.get(i);
      if (take[i] > 0) {
        jobs.add(j);
        conditional |= j.conditional();
      }
      int n = j.processes().size();
      int budget = take[i]; // network rows: a guided sample costs 2 while w ∉ {0, 1}
      boolean gotOne = false;
      for (int scanned = 0; budget > 0 && scanned < n; scanned++) {
        SamplingProcess p = j.processes().get(j.cursor);
        if (!busy.contains(p) && !p.isDone()) {
          Condition c = j.condition(j.cursor);
          int cost = c.rowsAt(p.pending().time());
          if (cost > budget && gotOne) {
            break; // this sample goes first next time (the cursor stays on it)
          }
          rowJob[r] = j;
          rowProc[r] = p;
          rowCond[r] = c;
          r++;
          budget -= cost; // a job's first sample is taken even if it overshoots by one row
          gotOne = true;
        }
        j.cursor = (j.cursor + 1) % n;
      }
    }
    float[] x = new float[r * d];
    double[] time = new double[r];
    SecondHead[] rowHead = new SecondHead[r];
    Set<SecondHead> heads = EnumSet.noneOf(SecondHead.class);
    for (int k = 0; k < r; k++) {
      EvalRequest req = rowProc[k].pending();
      System.arraycopy(req.x(), 0, x, k * d, d);
      time[k] = req.time();
      rowHead[k] = req.head();
      if (req.head() != null) {
        heads.add(req.head());
      }
    }
    return new PackedBatch(r, rowJob, rowProc, conditional ? java.util.Arrays.copyOf(rowCond, r) : null, x, time,
        jobs, rowHead, heads);
  }

  /** @return the rows' processes (an identity set) */
  Set<SamplingProcess> processes() {
    Set<SamplingProcess> s = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (int r = 0; r < rows; r++) {
      s.add(rowProc[r]);
    }
    return s;
  }

  /** @return samples per job in this batch */
  Map<EngineJob, Integer> rowsPerJob() {
    Map<EngineJob, Integer> m = new IdentityHashMap<>();
    for (int r = 0; r < rows; r++) {
      m.merge(rowJob[r], 1, Integer::sum);
    }
    return m;
  }

  /** Evaluates zero batches of the given sizes at one time (model warm-up). */
  static void warmUp(NoisePredictor predictor, int d, double time, int... sizes) {
    for (int b : sizes) {
      double[] t = new double[b];
      java.util.Arrays.fill(t, time);
      predictor.predictEps(new float[b * d], t, b);
    }
  }

  /** The evaluation of a whole batch failed. */
  static final class Failed extends Exception {
    final Failure failure;

    Failed(Failure failure, RuntimeException cause) {
      super(cause);
      this.failure = failure;
    }
  }

  /**
   * Evaluates the batch: the rows' {@code prepare()} runs on the helpers meanwhile (noise drawn in
   * the network's shadow) and is joined before this returns.
   *
   * @return ε, [rows, d]
   * @throws Failed if the network or a prepare threw
   */
  float[] evaluate(NoisePredictor predictor, HostWork host, EngineMetrics metrics) throws Failed {
    List<Future<?>> prepared = host.prepare(rowProc, rows);
    long t0 = System.nanoTime();
    float[] eps;
    int networkRows = rows;
    try {
      if (rowCond != null) {
        networkRows = GuidedBatch.networkRows(rowCond, time, rows);
        if (heads.isEmpty()) {
          eps = GuidedBatch.evaluate((ConditionalPredictor) predictor, x, time, rowCond, rows);
        } else { // labelled SN/NPR rows (unguided: the job factory refuses w ∉ {0, 1})
          Prediction p = GuidedBatch.evaluate((ConditionalPredictor) predictor, x, time, rowCond, rows, rowHead);
          eps = p.eps();
          headOut = p.heads();
        }
      } else if (heads.isEmpty()) {
        eps = predictor.predictEps(x, time, rows);
      } else {
        Prediction p = predictor.predict(x, time, rows, heads);
        eps = p.eps();
        headOut = p.heads();
      }
    } catch (RuntimeException e) {
      joinQuietly(prepared);
      throw new Failed(new Failure.EvaluationError(e), e);
    }
    metrics.evaluated(networkRows, System.nanoTime() - t0);
    try {
      HostWork.join(prepared);
    } catch (RuntimeException e) {
      throw new Failed(new Failure.SamplerError(e), e);
    }
    return eps;
  }

  private static void joinQuietly(List<Future<?>> fs) {
    try {
      HostWork.join(fs);
    } catch (RuntimeException e) {
      // the evaluation's own error is the one reported
    }
  }

  /**
   * Hands each row its ε from the packed output (after the finiteness check), in parallel chunks
   * on {@code host}, then counts the samples that finished.
   *
   * @param eps the network output, [rows, d]
   * @param d values per row
   * @param host where the rows are worked on
   * @return the jobs that failed, with why (the first failing row of a job, in row order)
   */
  Map<EngineJob, Failure> deliver(float[] eps, int d, HostWork host) {
    Failure[] rowFailure = new Failure[rows];
    host.forRows(rows, d, (lo, hi) -> {
      for (int r = lo; r < hi; r++) {
        int off = r * d;
        float[] head = rowHead[r] == null ? null : headOut.get(rowHead[r]);
        if (!allFinite(eps, off, d) || (head != null && !allFinite(head, off, d))) {
          rowFailure[r] = new Failure.NonFinite(rowJob[r].processes().indexOf(rowProc[r]), time[r]);
          continue;
        }
        try {
          if (head == null) {
            rowProc[r].accept(eps, off);
          } else {
            rowProc[r].accept(eps, head, off);
          }
        } catch (RuntimeException ex) {
          rowFailure[r] = new Failure.SamplerError(ex);
        }
      }
      return 0;
    });
    Map<EngineJob, Failure> failed = new IdentityHashMap<>();
    for (int r = 0; r < rows; r++) {
      EngineJob j = rowJob[r];
      if (rowFailure[r] != null) {
        failed.putIfAbsent(j, rowFailure[r]);
      } else if (rowProc[r].isDone()) {
        j.live--;
      }
    }
    return failed;
  }

  private static boolean allFinite(float[] e, int off, int d) {
    for (int j = off; j < off + d; j++) {
      if (!Float.isFinite(e[j])) {
        return false;
      }
    }
    return true;
  }
}
