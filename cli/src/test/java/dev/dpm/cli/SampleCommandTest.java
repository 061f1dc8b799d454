package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.io.NumericArray;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./dpm sample}: file format, determinism, independence from N and the batch size. */
class SampleCommandTest {
  @TempDir
  Path tmp;

  private Cli.Result sample(String out, String... extra) {
    String[] base = {"sample", "--models", Cli.models().toString(), "--model", "gaussian",
        "--sampler", "ddpm", "--steps", "10", "--seed", "42", "--out", tmp.resolve(out).toString()};
    String[] args = Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return Cli.run(args);
  }

  @Test
  void writesFloat32NpyAndASummary() throws Exception {
    Cli.Result r = sample("a.npy", "--n", "8");
    assertEquals(0, r.code(), r.toString());
    NumericArray a = Npy.read(tmp.resolve("a.npy"));
    assertEquals("FLOAT32", a.dtype().name());
    assertArrayEquals(new int[] {8, 2}, a.shape());
    JsonNode j = r.json();
    assertEquals(10, j.get("nfe").asInt());
    assertEquals(80, j.get("evaluations").asInt());
    assertEquals(8, j.get("n").asInt());
    assertTrue(j.get("seconds").asDouble() >= 0);
    assertTrue(j.has("samplesPerSecond"));
    assertEquals("ddpm", j.get("sampler").get("name").asText());
    assertEquals("posterior", j.get("sampler").get("variance").asText());
    assertTrue(r.err().isEmpty(), r.err());
  }

  @Test
  void sameSeedSameBytesAndFirstSamplesIndependentOfNAndBatch() throws Exception {
    assertEquals(0, sample("a.npy", "--n", "8").code());
    assertEquals(0, sample("b.npy", "--n", "8").code());
    assertEquals(0, sample("c.npy", "--n", "4000", "--batch", "500").code());
    assertEquals(0, sample("d.npy", "--n", "8", "--batch", "3").code());
    byte[] a = Files.readAllBytes(tmp.resolve("a.npy"));
    assertArrayEquals(a, Files.readAllBytes(tmp.resolve("b.npy")), "same seed, same bytes");
    assertArrayEquals(a, Files.readAllBytes(tmp.resolve("d.npy")), "batch size does not change samples");
    float[] first = Npy.read(tmp.resolve("a.npy")).float32();
    float[] many = Npy.read(tmp.resolve("c.npy")).float32();
    assertArrayEquals(first, Arrays.copyOf(many, first.length), "first 8 of --n 8 and --n 4000");
    // and a different seed gives different samples
    Cli.Result other = Cli.run("sample", "--models", Cli.models().toString(), "--model", "gaussian",
        "--sampler", "ddpm", "--steps", "10", "--seed", "43", "--n", "8", "--out", tmp.resolve("e.npy").toString());
    assertEquals(0, other.code(), other.toString());
    assertFalse(Arrays.equals(a, Files.readAllBytes(tmp.resolve("e.npy"))));
  }

  @Test
  void latentsReplaceTheDrawnNoise() throws Exception {
    float[] z = {0.5f, -0.5f, 1.5f, 2f};
    Npy.writeFloat32(tmp.resolve("z.npy"), z, 2, 2);
    String[] args = {"--n", "2", "--latents", tmp.resolve("z.npy").toString()};
    Cli.Result r1 = Cli.run("sample", "--models", Cli.models().toString(), "--model", "gaussian",
        "--sampler", "ddim", "--steps", "10", "--out", tmp.resolve("l1.npy").toString(), args[0], args[1], args[2], args[3],
        "--seed", "1");
    Cli.Result r2 = Cli.run("sample", "--models", Cli.models().toString(), "--model", "gaussian",
        "--sampler", "ddim", "--steps", "10", "--out", tmp.resolve("l2.npy").toString(), args[0], args[1], args[2], args[3],
        "--seed", "2");
    assertEquals(0, r1.code(), r1.toString());
    assertEquals(0, r2.code(), r2.toString());
    // DDIM with η = 0 is deterministic given x_T: the seed no longer matters
    assertArrayEquals(Files.readAllBytes(tmp.resolve("l1.npy")), Files.readAllBytes(tmp.resolve("l2.npy")));
    // for the N(0, s² I) oracle the DDIM (probability-flow) map is monotone per coordinate
    float[] x = Npy.read(tmp.resolve("l1.npy")).float32();
    assertTrue(x[0] > x[1] && x[3] > x[2], Arrays.toString(x));
  }

  @Test
  void pngGridForImageModels() throws Exception {
    Cli.Result r = Cli.run("sample", "--models", Cli.fixtures().toString(), "--model", "tiny-conv",
        "--sampler", "ddim", "--steps", "3", "--n", "5", "--out", tmp.resolve("g.png").toString());
    assertEquals(0, r.code(), r.toString());
    BufferedImage img = ImageIO.read(tmp.resolve("g.png").toFile());
    // 5 images -> 3 columns, 2 rows of 28 px with 2-px gutters
    assertEquals(2 + 3 * 30, img.getWidth());
    assertEquals(2 + 2 * 30, img.getHeight());
    assertEquals("png", r.json().get("format").asText());
  }

  @Test
  void scaledGridsScatterPlotsAndOrdinaryFileModes() throws Exception {
    Cli.Result big = Cli.run("sample", "--models", Cli.fixtures().toString(), "--model", "tiny-conv",
        "--sampler", "ddim", "--steps", "3", "--n", "5", "--scale", "3", "--out", tmp.resolve("g3.png").toString());
    assertEquals(0, big.code(), big.toString());
    BufferedImage img = ImageIO.read(tmp.resolve("g3.png").toFile());
    assertEquals(3 * (2 + 3 * 30), img.getWidth());
    assertEquals(3 * (2 + 2 * 30), img.getHeight());
    assertEquals(img.getRGB(0, 0), img.getRGB(2, 2), "nearest neighbour: a 3×3 block per pixel");

    Cli.Result scatter = Cli.run("sample", "--models", Cli.models().toString(), "--model", "gmm-ring-2d",
        "--sampler", "ddim", "--steps", "10", "--n", "50", "--out", tmp.resolve("ring.png").toString());
    assertEquals(0, scatter.code(), scatter.toString());
    BufferedImage plot = ImageIO.read(tmp.resolve("ring.png").toFile());
    assertEquals(320, plot.getWidth());
    assertEquals(320, plot.getHeight());
    assertEquals(0xFFFFFF, plot.getRGB(5, 5) & 0xFFFFFF, "white background");

    Cli.Result npy = Cli.run("sample", "--models", Cli.models().toString(), "--model", "gmm-ring-2d",
        "--sampler", "ddim", "--steps", "10", "--n", "4", "--scale", "2", "--out", tmp.resolve("r.npy").toString());
    assertEquals(2, npy.code(), npy.toString());
    assertTrue(npy.err().contains("--scale"), npy.err());

    // outputs get the mode an ordinary new file gets here (0666 less the umask), not createTempFile's 0600
    java.nio.file.Path usual = java.nio.file.Files.createFile(tmp.resolve("usual"));
    var want = java.nio.file.Files.getPosixFilePermissions(usual);
    assertEquals(want, java.nio.file.Files.getPosixFilePermissions(tmp.resolve("g3.png")));
    assertEquals(want, java.nio.file.Files.getPosixFilePermissions(tmp.resolve("ring.png")));
    Cli.Result n2 = Cli.run("sample", "--models", Cli.models().toString(), "--model", "gmm-ring-2d",
        "--sampler", "ddim", "--steps", "10", "--n", "4", "--out", tmp.resolve("r.npy").toString());
    assertEquals(0, n2.code(), n2.toString());
    assertEquals(want, java.nio.file.Files.getPosixFilePermissions(tmp.resolve("r.npy")));
  }

  @Test
  void progressRatesAreNumbers() {
    assertEquals("", Progress.rate(0, 1.0, "evals"));
    assertEquals("2.5 evals/s", Progress.rate(5, 2.0, "evals"));
    assertEquals("1,500 steps/s", Progress.rate(300, 0.2, "steps"));
  }
}
