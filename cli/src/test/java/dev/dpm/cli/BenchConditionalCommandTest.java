package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./dpm bench quality} on a class-conditional model writes the conditional tables (labelled 2-D oracle). */
class BenchConditionalCommandTest {
  @TempDir Path tmp;

  private Path pair() throws Exception {
    Path dir = tmp.resolve("models").resolve("pair");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("model.json"), "{\"name\":\"pair\",\"kind\":\"gaussian-mixture\",\"sampleShape\":[2],"
        + "\"dataRange\":null,\"prediction\":\"eps\",\"timeInput\":\"index\",\"schedule\":{\"type\":\"linear\","
        + "\"steps\":1000},\"mixture\":{\"weights\":[0.3,0.7],\"means\":[[1.0,0.0],[-1.0,0.5]],\"stds\":[0.3,0.3]},"
        + "\"conditioning\":{\"classes\":[\"near\",\"far\"],\"nullLabel\":2}}");
    return tmp.resolve("models");
  }

  @Test
  void conditionalModelGetsTheConditionalTables() throws Exception {
    Path models = pair();
    Path out = tmp.resolve("out");
    Cli.Result r = Cli.run("bench", "quality", "--models", models.toString(), "--model", "pair", "--skip",
        "nll,samples", "--calibrate-rows", "200", "--per-class", "30", "--cond-ks", "10", "--guidance-sweep", "1,3",
        "--cond-methods", "ddpm-posterior,analytic-ddpm", "--uncond-cells", "ddim:10", "--uncond-samples", "40",
        "--mmd-width", "0.2", "--bootstrap", "5", "--out", out.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("## Guidance sweep (pooled over classes)"), r.out());
    assertTrue(r.out().contains("0 near") && r.out().contains("1 far"), r.out());
    assertTrue(Files.exists(out.resolve("conditional.md")) && Files.exists(out.resolve("conditional.json")));
    assertTrue(Files.exists(out.resolve("cond-sweep-fd.png")));
    assertTrue(r.out().contains("no guided Γ"), "w = 3 analytic without a grid: " + r.out());

    Cli.Result skip = Cli.run("bench", "quality", "--models", models.toString(), "--model", "pair", "--skip",
        "nll,samples,cond", "--out", tmp.resolve("none").toString());
    assertEquals(0, skip.code(), skip.toString());
    assertTrue(!Files.exists(tmp.resolve("none/conditional.md")));

    Cli.Result bad = Cli.run("bench", "quality", "--models", models.toString(), "--model", "pair", "--skip",
        "nll,samples", "--uncond-cells", "ddim", "--out", tmp.resolve("bad").toString());
    assertNotEquals(0, bad.code());
    assertTrue(bad.err().contains("METHOD:K"), bad.err());
  }
}
