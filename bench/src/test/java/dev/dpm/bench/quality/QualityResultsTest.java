package dev.dpm.bench.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityResultsTest {
  @Test
  void cellsSurviveAReloadWithTheSameFingerprintOnly(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("quality.json");
    QualityResults a = new QualityResults(f, Map.of("model", "m", "seed", "1"));
    a.put("nll/even/ddpm-forward/10", new QualityResults.Cell(1.25, 0.5, 10, 2.0, 100, null));
    a.put("sample/floor", new QualityResults.Cell(Double.NaN, Double.NaN, 4, 0, 0, "note"));

    QualityResults same = new QualityResults(f, Map.of("seed", "1", "model", "m"));
    assertEquals(2, same.load());
    assertEquals(new QualityResults.Cell(1.25, 0.5, 10, 2.0, 100, null), same.get("nll/even/ddpm-forward/10"));
    QualityResults.Cell floor = same.get("sample/floor");
    assertTrue(Double.isNaN(floor.value()) && Double.isNaN(floor.stdError()));
    assertEquals("note", floor.note());

    QualityResults other = new QualityResults(f, Map.of("model", "m", "seed", "2"));
    assertEquals(-1, other.load());
    assertNull(other.get("nll/even/ddpm-forward/10"));
    assertEquals(0, new QualityResults(dir.resolve("none.json"), Map.of()).load());
  }
}
