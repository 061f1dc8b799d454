package dev.dpm.server.engine;

import dev.dpm.core.sampler.EvalRequest;
import dev.dpm.core.sampler.SamplingProcess;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of one network evaluation: which process owns row r, and the packed inputs
 * x [rows, d] (row-major) and time [rows], copied once from the processes' pending requests.
 */
final class PackedBatch {
  final int rows;
  final EngineJob[] rowJob;
  final SamplingProcess[] rowProc;
  final float[] x;
  final double[] time;
  /** The jobs with rows in the batch, in packing order. */
  final List<EngineJob> jobs;

  private PackedBatch(int rows, EngineJob[] rowJob, SamplingProcess[] rowProc, float[] x,
      double[] time, List<EngineJob> jobs) {
    this.rows = rows;
    this.rowJob = rowJob;
    this.rowProc = rowProc;
    this.x = x;
    this.time = time;
    this.jobs = jobs;
  }

  /**
   * Takes {@code take[i]} unfinished processes of job i, each job's from its cursor on (so its
   * samples take turns when it gets fewer rows than it has), and copies their inputs.
   *
   * @param active the running jobs
   * @param take rows per job ({@link RowPacker#pack})
   * @param d values per row
   * @return the batch
   */
  static PackedBatch of(List<EngineJob> active, int[] take, int d) {
    int rows = 0;
    for (int t : take) {
      rows += t;
    }
    EngineJob[] rowJob = new EngineJob[rows];
    SamplingProcess[] rowProc = new SamplingProcess[rows];
    List<EngineJob> jobs = new ArrayList<>();
    int r = 0;
    for (int i = 0; i < take.length; i++) {
      EngineJob j = active.get(i);
      if (take[i] > 0) {
        jobs.add(j);
      }
      int n = j.processes().size();
      int want = take[i];
      for (int scanned = 0; want > 0 && scanned < n; scanned++) {
        SamplingProcess p = j.processes().get(j.cursor);
        j.cursor = (j.cursor + 1) % n;
        if (!p.isDone()) {
          rowJob[r] = j;
          rowProc[r] = p;
          r++;
          want--;
        }
      }
    }
    float[] x = new float[r * d];
    double[] time = new double[r];
    for (int k = 0; k < r; k++) {
      EvalRequest req = rowProc[k].pending();
      System.arraycopy(req.x(), 0, x, k * d, d);
      time[k] = req.time();
    }
    return new PackedBatch(r, rowJob, rowProc, x, time, jobs);
  }

  /**
   * Hands each row its ε (after the finiteness check) and counts the samples that finished.
   *
   * @param eps the network output, [rows, d]
   * @param d values per row
   * @return the jobs that failed, with why (their later rows are not handed anything)
   */
  Map<EngineJob, Failure> deliver(float[] eps, int d) {
    Map<EngineJob, Failure> failed = new IdentityHashMap<>();
    for (int r = 0; r < rows; r++) {
      EngineJob j = rowJob[r];
      if (failed.containsKey(j)) {
        continue;
      }
      float[] e = Arrays.copyOfRange(eps, r * d, (r + 1) * d);
      if (!allFinite(e)) {
        failed.put(j, new Failure.NonFinite(j.processes().indexOf(rowProc[r]), time[r]));
        continue;
      }
      try {
        rowProc[r].accept(e);
      } catch (RuntimeException ex) {
        failed.put(j, new Failure.SamplerError(ex));
        continue;
      }
      if (rowProc[r].isDone()) {
        j.live--;
      }
    }
    return failed;
  }

  private static boolean allFinite(float[] e) {
    for (float v : e) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
