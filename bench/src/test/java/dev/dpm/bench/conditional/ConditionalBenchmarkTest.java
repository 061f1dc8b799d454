package dev.dpm.bench.conditional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualityResults;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.ConditionalPredictor;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.moments.GuidedMoments;
import dev.dpm.core.moments.Moments;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conditional tables on the exact labelled 2-D oracle (two components, label k = component k): MMD² per class
 * against the component and pooled against the balanced mixture, class accuracy by the exact Bayes classifier, the
 * guided Γ grid arriving after the plain cells, and resumption.
 */
class ConditionalBenchmarkTest {
  static final MixtureSpec PAIR = new MixtureSpec(new double[] {0.3, 0.7},
      new double[][] {{1.0, 0.0}, {-1.0, 0.5}}, new double[] {0.3, 0.3});

  @TempDir Path tmp;

  /** Counts the network rows of a conditional predictor. */
  static final class Counting implements ConditionalPredictor {
    final ConditionalPredictor inner;
    final AtomicLong rows = new AtomicLong();

    Counting(ConditionalPredictor inner) {
      this.inner = inner;
    }

    @Override
    public float[] predictEps(float[] x, double[] time, long[] labels, int batch) {
      rows.addAndGet(batch);
      return inner.predictEps(x, time, labels, batch);
    }

    @Override
    public int classCount() {
      return inner.classCount();
    }

    @Override
    public long nullLabel() {
      return inner.nullLabel();
    }

    @Override
    public int dimension() {
      return inner.dimension();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private BenchModel pair(Counting[] counter) throws Exception {
    Path dir = tmp.resolve("models").resolve("pair");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("model.json"), "{\"name\":\"pair\",\"kind\":\"gaussian-mixture\",\"sampleShape\":[2],"
        + "\"dataRange\":null,\"prediction\":\"eps\",\"timeInput\":\"index\",\"schedule\":{\"type\":\"linear\","
        + "\"steps\":1000},\"mixture\":{\"weights\":[0.3,0.7],\"means\":[[1.0,0.0],[-1.0,0.5]],\"stds\":[0.3,0.3]},"
        + "\"conditioning\":{\"classes\":[\"near\",\"far\"],\"nullLabel\":2}}");
    BenchModel m = BenchModel.open(tmp.resolve("models"), "pair", null, null).withEstimatedGamma(400, 3, 128);
    counter[0] = new Counting((ConditionalPredictor) m.predictor());
    return new BenchModel(m.spec(), m.schedule(), counter[0], m.gamma(), m.gammaSource(), null, m.reference(),
        m.referenceName());
  }

  private GuidedGamma grid(BenchModel m) {
    DataSet[] classes = new DataSet[2];
    for (int c = 0; c < 2; c++) {
      MixtureSpec one = new MixtureSpec(new double[] {1}, new double[][] {PAIR.means()[c]}, new double[] {0.3});
      classes[c] = DataSet.ofRows(GaussianMixturePredictor.sampleData(one, 10 + c, 400), new int[] {2},
          DataRange.UNBOUNDED, "component " + c);
    }
    return GuidedMoments.estimate((ConditionalPredictor) m.predictor(), m.schedule(), classes,
        new double[] {0, 1, 2, 3}, false, 7, 256, Moments.Options.PLAIN, null, null, null);
  }

  private CondSettings settings() {
    return CondSettings.builder(tmp.resolve("out")).seed(4).perClass(150).ks(10, 25).scales(1, 3)
        .unconditional(List.of(new CondSettings.UncondCell(Method.DDPM_POSTERIOR, 25),
            new CondSettings.UncondCell(Method.ANALYTIC_DDPM, 25)))
        .unconditionalSamples(200).batch(64).bootstrap(5).mmdWidth(0.2).command("test").build();
  }

  @Test
  void oracleTablesScoreClassesAndKeepPlainCellsWhenTheGridArrives() throws Exception {
    Counting[] counter = new Counting[1];
    BenchModel m = pair(counter);
    ConditionalBenchmark.Judge judge = new ConditionalBenchmark.Judge(null, null, null, m.reference());
    StringWriter log = new StringWriter();
    CondKeys noGrid = new CondKeys(null, null);
    ConditionalBenchmark.Report first;
    try (MixtureClassifier probe = new MixtureClassifier(m.reference())) {
      first = ConditionalBenchmark.run(settings(), m, null, judge, probe, new PrintWriter(log));
    }
    // without a grid: every plain cell, the analytic ones only at w = 1 on the model's own Γ
    String ddpm = "cond/ddpm-posterior/w1/k25";
    for (String suffix : new String[] {"/fd", "/acc", "/fd/0", "/fd/1", "/acc/0", "/acc/1"}) {
      assertNotNull(first.cells().get(ddpm + suffix), suffix);
    }
    // the components are 2.06 apart with std 0.3: the Bayes classifier gets (nearly) every sample right
    assertTrue(first.cells().get(ddpm + "/acc/0").value() >= 0.95, first.markdown());
    assertTrue(first.cells().get("cond/ddpm-posterior/w3/k25/acc").value() >= 0.95, first.markdown());
    // per-class MMD² against the component is small at w = 1; guidance w = 3 pushes the minority class away
    double w1 = first.cells().get(ddpm + "/fd/0").value();
    double w3 = first.cells().get("cond/ddpm-posterior/w3/k25/fd/0").value();
    assertTrue(w1 < w3, "MMD² class 0: w=1 " + w1 + ", w=3 " + w3);
    assertTrue(first.cells().keySet().stream().noneMatch(k -> k.contains("@g")), "no grid, no grid cells");
    assertTrue(first.cells().keySet().stream().anyMatch(k -> k.startsWith("cond/analytic-ddpm@u")
        && k.contains("/w1/")), "w = 1 on the model's Γ");
    assertTrue(first.markdown().contains("no guided Γ"), first.markdown());
    assertNotNull(first.cells().get("uncond/ddpm-posterior/k25"));
    assertTrue(Files.exists(tmp.resolve("out/cond-fd-vs-k.png")) && Files.exists(tmp.resolve("out/cond-sweep-fd.png"))
        && Files.exists(tmp.resolve("out/cond-class-acc.png")));

    // the grid arrives: only the analytic guided cells are new, the plain ones are kept as they were
    GuidedGamma g = grid(m);
    long before = counter[0].rows.get();
    ConditionalBenchmark.Report second;
    try (MixtureClassifier probe = new MixtureClassifier(m.reference())) {
      second = ConditionalBenchmark.run(settings(), m, g, judge, probe, new PrintWriter(log));
    }
    long rows = counter[0].rows.get() - before;
    long expected = 0;
    for (var e : second.cells().entrySet()) {
      if (!first.cells().containsKey(e.getKey())) {
        assertTrue(e.getKey().contains("@g"), e.getKey());
        expected += e.getValue().evaluations();
      }
    }
    // per method: w = 1 one row, w = 3 two rows per sample and step, 300 samples, K = 10 and 25
    assertEquals(2L * 300 * (10 + 25) * (1 + 2), expected);
    assertEquals(expected, rows);
    // Γ ≥ 1 clips the analytic variance to λ²: guidance w = 3 does that on most steps of K = 10, w = 1 on fewer
    CondKeys withGrid = second.cells().keySet().stream().filter(k -> k.contains("@g")).findFirst()
        .map(k -> new CondKeys(null, k.substring(k.indexOf("@g") + 2, k.indexOf('/', k.indexOf("@g")))))
        .orElseThrow();
    QualityResults.Cell c3 = second.cells().get(withGrid.guided(Method.ANALYTIC_DDPM, 3, 10) + "/clipped");
    QualityResults.Cell c1 = second.cells().get(withGrid.guided(Method.ANALYTIC_DDPM, 1, 10) + "/clipped");
    assertEquals(9, c3.n());
    assertTrue(c3.value() >= 5 && c3.value() > c1.value(), c3 + " " + c1);
    QualityResults.Cell kept = second.cells().get(ddpm + "/fd");
    assertEquals(first.cells().get(ddpm + "/fd"), kept);
    String ag = new CondKeys(null, null).guided(Method.ANALYTIC_DDPM, 3, 25);
    assertNull(ag, "no key without Γ");
    assertTrue(second.markdown().contains("## Analytic vs plain under guidance"), second.markdown());
    assertTrue(second.markdown().contains("Every class ≥ 95 % at w = 3, K = 25, Analytic-DDPM"), second.markdown());

    // a third run resumes everything
    long again = counter[0].rows.get();
    try (MixtureClassifier probe = new MixtureClassifier(m.reference())) {
      ConditionalBenchmark.run(settings(), m, g, judge, probe, new PrintWriter(log));
    }
    assertEquals(again, counter[0].rows.get());
    assertTrue(log.toString().contains("resuming"), log.toString());
    assertNull(noGrid.gridTag());
  }

  /**
   * Where the guided Γ is ≥ 1 at every noisy step, the analytic samplers run the plain samplers' steps with the
   * same σ² (λ²): their cells are the plain cells, taken over without a network evaluation.
   */
  @Test
  void analyticCellsClippedAtEveryStepAreThePlainCells() throws Exception {
    Counting[] counter = new Counting[1];
    BenchModel m = pair(counter);
    double[] high = new double[1001];
    java.util.Arrays.fill(high, 1.5);
    high[0] = 0;
    GuidedGamma g = new GuidedGamma(new double[] {0, 3}, true, new double[][][] {{high, high}},
        dev.dpm.core.moments.Provenance.closedForm("test: Γ = 1.5", null));
    CondSettings cs = CondSettings.builder(tmp.resolve("clip")).seed(2).perClass(20).ks(10).scales(3)
        .unconditional(List.of()).batch(64).bootstrap(3).mmdWidth(0.2).build();
    ConditionalBenchmark.Report r;
    try (MixtureClassifier probe = new MixtureClassifier(m.reference())) {
      r = ConditionalBenchmark.run(cs, m, g, new ConditionalBenchmark.Judge(null, null, null, m.reference()), probe,
          new PrintWriter(new StringWriter()));
    }
    CondKeys keys = r.cells().keySet().stream().filter(k -> k.contains("@g")).findFirst()
        .map(k -> new CondKeys(null, k.substring(k.indexOf("@g") + 2, k.indexOf('/', k.indexOf("@g")))))
        .orElseThrow();
    String[][] pairs = {{keys.guided(Method.ANALYTIC_DDPM, 3, 10), keys.guided(Method.DDPM_POSTERIOR, 3, 10)},
        {keys.guided(Method.ANALYTIC_DDIM, 3, 10), keys.guided(Method.DDIM, 3, 10)}};
    for (String[] p : pairs) {
      QualityResults.Cell a = r.cells().get(p[0] + "/fd");
      QualityResults.Cell b = r.cells().get(p[1] + "/fd");
      assertEquals(b.value(), a.value(), 0.0, p[0]);
      assertEquals(0, a.evaluations());
      assertTrue(a.note().contains("same σ²"), a.note());
      assertEquals(9.0, r.cells().get(p[0] + "/clipped").value());
    }
    // the two plain cells only: 40 samples × 10 steps × 2 rows each
    assertEquals(2L * 40 * 10 * 2, counter[0].rows.get());
    // report-only rebuilds the report without sampling
    long before = counter[0].rows.get();
    try (MixtureClassifier probe = new MixtureClassifier(m.reference())) {
      ConditionalBenchmark.Report again = ConditionalBenchmark.run(CondSettings.builder(tmp.resolve("clip")).seed(2)
          .perClass(20).ks(10, 25).scales(3).unconditional(List.of()).batch(64).bootstrap(3).mmdWidth(0.2)
          .reportOnly(true).build(), m, g, new ConditionalBenchmark.Judge(null, null, null, m.reference()), probe,
          new PrintWriter(new StringWriter()));
      assertTrue(again.markdown().contains("**K = 25**"), again.markdown());
    }
    assertEquals(before, counter[0].rows.get());
  }

  @Test
  void unconditionalCellsParseAndBadOnesAreNamed() {
    assertEquals(new CondSettings.UncondCell(Method.DDIM, 100), CondSettings.UncondCell.parse("ddim:100"));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> CondSettings.UncondCell.parse("ddim"));
    assertTrue(e.getMessage().contains("METHOD:K"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> CondSettings.builder(tmp).scales(-1).build());
  }
}
