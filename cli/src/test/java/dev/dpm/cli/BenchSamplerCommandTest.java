package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./dpm bench sampler} runs end to end (tiny settings) and maintains its Markdown section. */
class BenchSamplerCommandTest {
  @TempDir
  Path tmp;

  @Test
  void printsTheTableAndWritesItsSection() throws Exception {
    Path md = tmp.resolve("BENCHMARKS.md");
    Files.writeString(md, "# Benchmarks\n\n## Sampler overhead\n\nold\n\n## Quality\n\nkeep me\n");
    Cli.Result r = Cli.run("bench", "sampler", "--fixture", Cli.fixtures().resolve("tiny-conv").toString(),
        "--batch", "4", "--steps", "5", "--runs", "1", "--warmup", "0", "--write", md.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("| ddpm step arithmetic"), r.out());
    assertTrue(r.out().contains("| analytic-ddpm step arithmetic"), r.out());
    assertTrue(r.out().contains("| ddim step arithmetic"), r.out());
    assertTrue(r.out().contains("Worst ratio"), r.out());
    String text = Files.readString(md);
    assertTrue(text.contains("keep me") && !text.contains("\nold\n"), text);
    assertEquals(1, text.split("## Sampler overhead", -1).length - 1, text);
  }
}
