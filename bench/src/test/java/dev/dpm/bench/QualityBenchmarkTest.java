package dev.dpm.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.runtime.model.TorchScriptPredictor;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.FeatureExtractor;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualitySettings;
import dev.dpm.bench.quality.SharedBound;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke tests of {@code ./dpm bench quality} on the exact gmm-ring-2d oracle with tiny counts
 * (seconds), plus the image path on the untrained tiny-conv fixture with a stand-in feature
 * extractor. The full Fashion-MNIST run is never made here.
 */
class QualityBenchmarkTest {
  static Path root() {
    return Path.of(System.getProperty("dpm.root", "..")).toAbsolutePath();
  }

  static BenchModel ring(NoisePredictor wrap) throws IOException {
    BenchModel m = BenchModel.open(root().resolve("models"), "gmm-ring-2d", null, null);
    if (m.gamma() == null) {
      m = m.withEstimatedGamma(200, 3, 64);
    }
    NoisePredictor p = wrap != null ? wrap : m.predictor();
    return new BenchModel(m.spec(), m.schedule(), p, m.gamma(), m.gammaSource(), null, m.reference(),
        m.referenceName());
  }

  static QualitySettings.Builder tiny(Path out) {
    return QualitySettings.builder(out).seed(5).images(24).samples(64).nllKs(10, 25).sampleKs(10, 25)
        .baselineK(50).batch(16).progress(false).command("test");
  }

  /** Counts the rows the network evaluates. */
  static final class Counting implements NoisePredictor {
    final NoisePredictor inner;
    final AtomicLong rows = new AtomicLong();

    Counting(NoisePredictor inner) {
      this.inner = inner;
    }

    @Override
    public float[] predictEps(float[] x, double[] time, int batch) {
      rows.addAndGet(batch);
      return inner.predictEps(x, time, batch);
    }

    @Override
    public int dimension() {
      return inner.dimension();
    }

    @Override
    public void close() {}
  }

  @Test
  void ringTableHasEveryRowAndThePlotsAreWritten(@TempDir Path out) throws IOException {
    BenchModel base = ring(null);
    Counting counting = new Counting(base.predictor());
    BenchModel m = ring(counting);
    StringWriter log = new StringWriter();
    QualityBenchmark.Report r = QualityBenchmark.run(tiny(out).build(), m, null, new PrintWriter(log));
    String md = Files.readString(out.resolve(QualityBenchmark.MARKDOWN));
    assertEquals(r.markdown(), md);
    for (String traj : new String[] {"even", "optimal"}) {
      for (Method me : Method.LIKELIHOOD) {
        String row = line(md, "| " + traj + " | " + me.label() + " |");
        assertFalse(row.contains("…"), "pending cell in " + row);
        assertEquals(2, count(row, "±"), row);
      }
    }
    for (String traj : new String[] {"even", "optimal"}) {
      String paired = line(md, "| " + traj + " | Analytic − DDPM σ²=β (paired) |");
      assertEquals(2, count(paired, "±"), paired);
    }
    for (Method me : Method.values()) {
      String row = line(md, "| " + me.label() + " |");
      boolean baseline = me == Method.DDPM_POSTERIOR || me == Method.DDIM;
      assertEquals(baseline ? 3 : 2, count(row, "±"), row);
      assertFalse(row.contains("…"), row);
    }
    assertTrue(md.contains("Floor: a real held-out set"), md);
    assertTrue(md.contains("Exact entropy of the held-out rows"), md);
    for (String f : new String[] {"nll-vs-k.png", "mmd-vs-k.png", "samples-k10.png", "samples-k25.png",
        QualityBenchmark.RESULTS}) {
      assertTrue(Files.size(out.resolve(f)) > 1000, f);
      assertTrue(r.files().contains(out.resolve(f)) || f.endsWith(".json"), f);
    }
    // likelihood: (10 + 25) rows·K per trajectory, shared by the three variances;
    // samples: 64·(5·(10 + 25) + 2·50)
    long expected = 2L * 24 * (10 + 25) + 64L * (5 * (10 + 25) + 2 * 50);
    assertEquals(expected, counting.rows.get());
    // paper shape on the exact oracle at K = 10: posterior ≫ forward > analytic
    double post = cell(r, "nll/even/ddpm-posterior/10");
    double fwd = cell(r, "nll/even/ddpm-forward/10");
    double ana = cell(r, "nll/even/analytic-ddpm/10");
    assertTrue(post > fwd && fwd > ana, post + " " + fwd + " " + ana);

    // a second run with the same settings resumes: no network evaluation, same tables
    Counting again = new Counting(base.predictor());
    QualityBenchmark.Report r2 = QualityBenchmark.run(tiny(out).build(), ring(again), null,
        new PrintWriter(new StringWriter()));
    assertEquals(0, again.rows.get());
    assertEquals(tables(md), tables(r2.markdown()));
  }

  @Test
  void optimalRowsAreNotAvailableWhenGammaExceedsOneEarly(@TempDir Path out) throws IOException {
    BenchModel m = ring(null);
    double[] g = m.gamma().clone();
    for (int n = 100; n < g.length; n++) {
      g[n] = 1.01; // as a Monte-Carlo Γ from too few rows: the bad-tail rule leaves no room
    }
    QualityBenchmark.Report r = QualityBenchmark.run(QualitySettings.builder(out).images(8).nllKs(10)
        .sampleQuality(false).batch(8).progress(false).build(), m.withGamma(g, "test"), null,
        new PrintWriter(new StringWriter()));
    String md = r.markdown();
    for (Method me : Method.LIKELIHOOD) {
      assertTrue(line(md, "| optimal | " + me.label() + " |").contains("n/a"), md);
      assertFalse(line(md, "| even | " + me.label() + " |").contains("n/a"), md);
    }
    assertTrue(md.contains("n/a: no optimal trajectory"), md);
  }

  @Test
  void sharedEvaluationEqualsSeparateBounds() throws IOException {
    BenchModel m = ring(null);
    NoiseSchedule sched = m.schedule();
    float[][] x = GaussianMixturePredictor.sampleData(m.reference(), 9, 16);
    DataSet rows = DataSet.ofRows(x, m.spec().sampleShape(), m.spec().dataRange(), "test");
    Trajectory traj = Trajectory.even(sched.steps(), 10);
    List<Method> methods = List.of(Method.LIKELIHOOD);
    SharedBound.Result shared = SharedBound.evaluate(m.predictor(), sched, rows, traj, methods, m.gamma(),
        Decoder.GAUSSIAN, 4, 16, null);
    assertEquals(16L * 10, shared.evaluations());
    for (int i = 0; i < methods.size(); i++) {
      BoundResult alone = VariationalBound.evaluate(m.predictor(), sched, rows, new BoundSettings(traj,
          methods.get(i).boundVariance(m.gamma(), rows.range()), Decoder.GAUSSIAN, SharedBound.chunkSeed(4, 0), 16),
          null);
      assertArrayEquals(alone.perRowBitsPerDim(), shared.results().get(i).perRowBitsPerDim(), 0.0);
      assertEquals(alone.bitsPerDim(), shared.results().get(i).bitsPerDim(), 1e-12);
    }
  }

  /** An image model end to end: tiny-conv (untrained) with mean-pooled "features". */
  @Test
  void imagePathWritesFdAndGrids(@TempDir Path out) throws IOException {
    Path fixture = root().resolve("runtime/src/test/resources/fixtures/tiny-conv");
    ModelSpec spec = ModelSpec.read(fixture);
    NoiseSchedule sched = spec.schedule().build(spec.dir());
    Path data = out.resolve("images-idx3-ubyte");
    writeIdx(data, 40);
    try (TorchScriptPredictor p = TorchScriptPredictor.open(spec, sched, null)) {
      BenchModel m = new BenchModel(spec, sched, p, Moments.isotropicGaussian(sched, 0.25), "closed form (test)",
          spec.sha256(), null, null);
      // K = 3 keeps the network calls few (about 20): libtorch is slow on a busy 2-core machine
      QualitySettings s = QualitySettings.builder(out.resolve("q")).images(4).samples(6).nllKs(3)
          .sampleKs(3).baselineK(0).batch(16).data(data).floorData(data).bootstrap(5).gridCount(6).gridKs(3)
          .progress(false).build();
      QualityBenchmark.Report r = QualityBenchmark.run(s, m, new PoolFeatures(), new PrintWriter(new StringWriter()));
      String md = r.markdown();
      assertTrue(md.contains("bits/dim"), md);
      for (Method me : Method.values()) {
        assertFalse(line(md, "| " + me.label() + " |").contains("…"), md);
      }
      assertTrue(md.contains("Floor: a real held-out set"), md);
      for (Method me : Method.values()) {
        assertTrue(Files.size(out.resolve("q/samples-" + me.key() + "-k3.png")) > 100);
      }
      assertTrue(Files.exists(out.resolve("q/fd-vs-k.png")));
      assertTrue(Files.exists(out.resolve("q/nll-vs-k.png")));
    }
  }

  static final class PoolFeatures implements FeatureExtractor {
    @Override
    public int featureDim() {
      return 8;
    }

    @Override
    public float[] features(float[] x, int batch) {
      float[] f = new float[batch * 8];
      for (int b = 0; b < batch; b++) {
        for (int y = 0; y < 28; y++) {
          for (int c = 0; c < 28; c++) {
            f[b * 8 + (y / 14) * 4 + c / 7] += x[b * 784 + y * 28 + c] / 98f;
          }
        }
      }
      return f;
    }

    @Override
    public String describe() {
      return "strip means (test)";
    }

    @Override
    public void close() {}
  }

  /** A small MNIST-format file: n images of 28×28 with smooth random-ish blobs. */
  static void writeIdx(Path file, int n) throws IOException {
    try (OutputStream os = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(os)) {
      out.writeInt(0x00000803);
      out.writeInt(n);
      out.writeInt(28);
      out.writeInt(28);
      for (int i = 0; i < n; i++) {
        for (int y = 0; y < 28; y++) {
          for (int x = 0; x < 28; x++) {
            double dx = x - 14 - (i % 5);
            double dy = y - 14 + (i % 3);
            out.writeByte((int) (255 * Math.exp(-(dx * dx + dy * dy) / (20.0 + i))));
          }
        }
      }
    }
  }

  static double cell(QualityBenchmark.Report r, String key) {
    return r.cells().get(key).value();
  }

  static String line(String md, String prefix) {
    for (String l : md.split("\n")) {
      if (l.startsWith(prefix)) {
        return l;
      }
    }
    throw new AssertionError("no row starting with " + prefix + " in\n" + md);
  }

  static String tables(String md) {
    StringBuilder sb = new StringBuilder();
    for (String l : md.split("\n")) {
      if (l.startsWith("|")) {
        sb.append(l).append('\n');
      }
    }
    return sb.toString();
  }

  static int count(String s, String what) {
    return s.split(java.util.regex.Pattern.quote(what), -1).length - 1;
  }
}
