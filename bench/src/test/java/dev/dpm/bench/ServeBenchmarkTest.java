package dev.dpm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small run of the serving benchmark on the tiny-mlp-2d fixture, and its Markdown section. */
class ServeBenchmarkTest {
  @TempDir Path tmp;

  @Test
  void smallRunMeasuresAllThreeScenariosAndWritesTheSection() throws Exception {
    Path fixture = Path.of(System.getProperty("dpm.root", "..")).resolve("runtime/src/test/resources/fixtures/tiny-mlp-2d");
    ServeBenchmark.Options o = new ServeBenchmark.Options(fixture, "ddim", 3, 4, 1, 8, "cpu", 0);
    StringWriter log = new StringWriter();
    ServeBenchmark.Result r = ServeBenchmark.run(o, new PrintWriter(log));
    for (ServeBenchmark.Scenario s : new ServeBenchmark.Scenario[] {r.concurrent(), r.single(), r.unbatched()}) {
      assertTrue(s.wall() > 0 && Double.isFinite(s.throughput()), s.name());
      assertEquals(s.jobs(), s.latenciesMs().length, "one first-progress latency per job: " + s.name());
    }
    assertEquals(1.0, r.unbatched().meanRows(), 0.0, "batching off: one row per evaluation");
    assertTrue(r.single().meanRows() == 4.0, "one 4-sample job: 4 rows per evaluation, got " + r.single().meanRows());
    assertTrue(r.concurrent().meanRows() > 1.0, "concurrent jobs share evaluations: " + r.concurrent().meanRows());
    assertTrue(r.bareBatchMs() > 0 && r.bareOneMs() > 0);

    String md = ServeBenchmark.markdown(r, "./dpm bench serve --steps 5");
    assertTrue(md.startsWith(ServeBenchmark.SECTION + "\n"));
    assertTrue(md.contains("| (a) 4 concurrent single-sample jobs | 4 × 1 | 8 |"), md);
    Path file = tmp.resolve("B.md");
    Files.writeString(file, "# Benchmarks\n\n## Sampler overhead\n\nkeep me\n\n## Serving\n\nold\n\n## Later\n\nkeep too\n");
    ServeBenchmark.writeSection(file, md);
    String text = Files.readString(file);
    assertTrue(text.contains("keep me") && text.contains("## Later\n\nkeep too") && !text.contains("\nold\n"), text);
    assertEquals(1, text.split("\n## Serving\n", -1).length - 1);
    ServeBenchmark.writeSection(file, md);
    assertEquals(text, Files.readString(file), "idempotent");
  }
}
