package dev.dpm.client.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.client.NpyArray;
import dev.dpm.client.fake.FakeDpmServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java example is this package's {@link ReadmeExample}, verbatim: this test fails when
 * the two differ, and runs the example against the fake server. It lives outside
 * {@code dev.dpm.client}, so it can only use the SDK's public API.
 */
class ReadmeExampleTest {
  private static final String BEGIN = "// README-EXAMPLE-BEGIN";
  private static final String END = "// README-EXAMPLE-END";

  static Path root() {
    String r = System.getProperty("dpm.root");
    return r != null ? Path.of(r) : Path.of("..");
  }

  @Test
  void theReadmeShowsTheCompiledExample() throws Exception {
    String source = Files.readString(root().resolve("client/src/test/java/dev/dpm/client/readme/ReadmeExample.java"));
    String region = source.substring(source.indexOf(BEGIN) + BEGIN.length(), source.indexOf(END)).strip();
    String readme = Files.readString(root().resolve("README.md"));
    int section = readme.indexOf("## Java client");
    assertTrue(section >= 0, "README.md has no '## Java client' section");
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme.substring(section));
    assertTrue(m.find(), "no ```java block in the Java client section");
    assertEquals(region, m.group(1).strip(), "README.md's example differs from ReadmeExample.java; copy the file's marked region");
  }

  @Test
  void theExampleRuns(@TempDir Path dir) throws Exception {
    try (FakeDpmServer server = new FakeDpmServer()) {
      server.autoRun = 3;
      Path png = dir.resolve("ring.png");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream old = System.out;
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      try {
        ReadmeExample.main(new String[] {server.baseUri().toString(), png.toString()});
      } finally {
        System.setOut(old);
      }
      String printed = out.toString(StandardCharsets.UTF_8);
      assertTrue(printed.contains("step 3/3"), printed);
      assertTrue(printed.contains("shape [16, 2]"), printed);
      assertTrue(printed.contains("must be at most N = 1000"), printed);
      assertEquals(8, ImageIO.read(png.toFile()).getWidth());
      assertEquals(16, NpyArray.read(FakeDpmServer.npy(16)).count());
    }
  }
}
