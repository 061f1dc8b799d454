package dev.dpm.server.jobs;

import dev.dpm.core.moments.Gamma;
import dev.dpm.runtime.model.GammaJson;
import dev.dpm.server.models.GammaFiles;
import dev.dpm.server.results.ImageRenderer;
import dev.dpm.server.results.NpyWriter;
import dev.dpm.server.results.ResultStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Encodes a finished job's files (npy, PNG grid and per-sample PNGs, or Γ JSON) and stores them. */
final class ResultWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ResultWriter.class);
  private final ResultStore results;
  private final Path dataDir;

  ResultWriter(ResultStore results, Path dataDir) {
    this.results = results;
    this.dataDir = dataDir;
  }

  /** Writes the results of a job (result thread); an installed Γ is durable before this returns. */
  void write(JobState st, float[][] samples) throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    if (st.calibration != null && st.calibration.isGuided()) {
      dev.dpm.core.moments.GuidedGamma grid = st.calibration.guidedResult();
      files.put(ResultStore.GAMMA, (dev.dpm.runtime.model.GuidedGammaJson.toJson(grid).toPrettyString() + "\n")
          .getBytes(StandardCharsets.UTF_8));
      if (st.calibration.install()) {
        Path where = st.model.spec().guidedGammaPath(); // durable before the job is marked succeeded
        dev.dpm.runtime.model.GuidedGammaJson.write(grid, where);
        st.calibration.written(grid);
        LOG.info("event=guided-gamma-written job={} model={} file={}", st.id(), st.model.name(), where);
      }
    } else if (st.calibration != null) {
      Gamma gamma = st.calibration.result();
      files.put(ResultStore.GAMMA, (GammaJson.toJson(gamma).toPrettyString() + "\n").getBytes(StandardCharsets.UTF_8));
      if (st.calibration.install()) {
        // durable before the job is marked succeeded: a crash in between re-runs the job, which
        // writes the same Γ again
        Path where = GammaFiles.write(gamma, st.model, dataDir);
        st.calibration.written(gamma, where);
        LOG.info("event=gamma-written job={} model={} file={}", st.id(), st.model.name(), where);
      }
    } else {
      int[] shape = st.model.spec().sampleShape();
      if (st.spec.outputs().contains("npy")) {
        files.put(ResultStore.NPY, NpyWriter.encode(samples, shape));
      }
      if (st.spec.outputs().contains("png")) {
        ImageRenderer img = new ImageRenderer(shape, st.model.spec().dataRange());
        files.put(ResultStore.GRID, img.grid(samples));
        if (img.perSample()) {
          for (int i = 0; i < samples.length; i++) {
            files.put(ResultStore.samplePng(i), img.single(samples[i]));
          }
        }
      }
    }
    results.write(st.id(), files);
  }
}
