package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.client.DpmJson;
import dev.dpm.client.Job;
import dev.dpm.client.JobStatus;
import dev.dpm.client.NpyArray;
import dev.dpm.client.OutputFormat;
import dev.dpm.client.SamplerName;
import dev.dpm.server.Harness;
import dev.dpm.server.SlowPredictor;
import dev.dpm.server.Toys;
import dev.dpm.cli.Dpm;
import dev.dpm.cli.FetchCommand;
import dev.dpm.cli.SubmitCommand;
import dev.dpm.cli.WatchCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./dpm submit | watch | fetch} against the real server, through {@link Dpm}'s command line. */
class RemoteCommandsTest {
  @TempDir
  Path tmp;

  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Runs ./dpm in-process with the remote commands registered (they are added here until Dpm lists them). */
  static Result dpm(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    PrintWriter o = new PrintWriter(out, true);
    PrintWriter e = new PrintWriter(err, true);
    CommandLine cl = Dpm.commandLine(o, e);
    for (Object c : List.of(new SubmitCommand(), new WatchCommand(), new FetchCommand())) {
      String name = c.getClass().getAnnotation(CommandLine.Command.class).name();
      if (!cl.getSubcommands().containsKey(name)) {
        cl.addSubcommand(name, c);
      }
    }
    cl.setOut(o); // again: picocli passes its writers on only to the subcommands present when they are set
    cl.setErr(e);
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void submitWatchFetch() throws Exception {
    SlowPredictor p = new SlowPredictor();
    p.sleepMicros = 2000;
    try (Harness h = new Harness(tmp.resolve("data"), List.of(Toys.model("toy", p, tmp)), null)) {
      Result s = dpm("submit", "--server", h.base, "--model", "toy", "--sampler", "ddim", "--steps", "20",
          "--eta", "0.3", "--n", "3", "--seed", "4", "--outputs", "npy,png", "--preview-every", "5", "--priority", "7");
      assertEquals(0, s.code(), s.toString());
      Job job = DpmJson.read(s.out().strip(), Job.class);
      assertEquals(SamplerName.DDIM, job.sampler().name());
      assertEquals(20, job.sampler().steps());
      assertEquals(0.3, job.sampler().eta());
      assertEquals(3, job.n());
      assertEquals(4L, job.seed());
      assertEquals(5, job.previewEvery());
      assertEquals(7, job.priority());
      assertEquals(List.of(OutputFormat.NPY, OutputFormat.PNG), job.outputs());

      Result w = dpm("watch", job.id(), "--server", h.base, "--progress");
      assertEquals(0, w.code(), w.toString());
      Job done = DpmJson.read(w.out().strip(), Job.class);
      assertEquals(JobStatus.SUCCEEDED, done.status());
      assertEquals(20, done.progress().step());

      Path npy = tmp.resolve("x.npy");
      Result f = dpm("fetch", job.id(), "--server", h.base, "--out", npy.toString());
      assertEquals(0, f.code(), f.toString());
      assertEquals(npy.toString(), f.out().strip());
      assertArrayEquals(new int[] {3, 2}, NpyArray.read(npy).shape());
      Result g = dpm("fetch", job.id(), "--server", h.base, "--format", "png", "--out", tmp.toString());
      assertEquals(0, g.code(), g.toString());
      assertTrue(ImageIO.read(tmp.resolve(job.id() + ".png").toFile()).getWidth() > 0);

      Result sw = dpm("submit", "--server", h.base, "--model", "toy", "--sampler", "ddpm", "--steps", "5", "--wait",
          "--idempotency-key", "cli-1");
      assertEquals(0, sw.code(), sw.toString());
      assertEquals(JobStatus.SUCCEEDED, DpmJson.read(sw.out().strip(), Job.class).status());
      Result again = dpm("submit", "--server", h.base, "--model", "toy", "--sampler", "ddpm", "--steps", "5",
          "--idempotency-key", "cli-1");
      assertEquals(DpmJson.read(sw.out().strip(), Job.class).id(), DpmJson.read(again.out().strip(), Job.class).id());
    }
  }

  @Test
  void aDeadServerIsNamedByItsUrl() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort(); // closed again: nothing listens there
    }
    String url = "http://127.0.0.1:" + port;
    Result r = dpm("submit", "--server", url, "--model", "toy", "--sampler", "ddpm", "--steps", "5");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().startsWith("dpm submit: cannot reach the server at " + url + " (POST /v1/jobs)"), r.err());
  }

  @Test
  void refusalsAreOneLineWithExitCode2() throws Exception {
    try (Harness h = new Harness(tmp.resolve("data"), List.of(Toys.model("toy", new SlowPredictor(), tmp)), null)) {
      Result k = dpm("submit", "--server", h.base, "--model", "toy", "--sampler", "ddpm", "--steps", "5000");
      assertEquals(2, k.code(), k.toString());
      assertTrue(k.err().contains("sampler.steps"), k.err());
      assertEquals(1, k.err().strip().lines().count(), k.err());
      assertEquals("", k.out());

      Result w = dpm("watch", "j_nope", "--server", h.base, "--no-progress");
      assertEquals(2, w.code(), w.toString());
      assertEquals("dpm watch: no job 'j_nope' on " + h.base + " (GET /v1/jobs lists the jobs)", w.err().strip());

      Result s = dpm("submit", "--server", h.base, "--model", "toy", "--sampler", "nope");
      assertEquals(2, s.code(), s.toString());
      assertTrue(s.err().contains("ddpm"), "names the accepted values: " + s.err());

      Result job = dpm("submit", "--server", h.base, "--model", "toy", "--sampler", "ddpm", "--steps", "5",
          "--outputs", "npy", "--wait");
      String id = DpmJson.read(job.out().strip(), Job.class).id();
      Result png = dpm("fetch", id, "--server", h.base, "--format", "png", "--out", tmp.resolve("y.png").toString());
      assertEquals(2, png.code(), png.toString());
      assertTrue(png.err().contains("png"), png.err());
      Result index = dpm("fetch", id, "--server", h.base, "--index", "1");
      assertEquals(2, index.code(), index.toString());
      assertTrue(!Files.exists(tmp.resolve("y.png")));
    }
  }
}
