package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.Guidance;
import dev.dpm.core.model.LabelledMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.runtime.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --label}, {@code --guidance} on sample and {@code calibrate --guidance} on a labelled oracle and a fixture. */
class GuidanceCommandsTest {
  static final MixtureSpec PAIR = new MixtureSpec(new double[] {0.3, 0.7},
      new double[][] {{1.0, 0.0}, {-1.0, 0.5}}, new double[] {0.3, 0.3});

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
  void guidedSampleEqualsTheDriverAndBadLabelsNameTheAllowedOnes() throws Exception {
    Path models = pair();
    Path out = tmp.resolve("a.npy");
    Cli.Result r = Cli.run("sample", "--models", models.toString(), "--model", "pair", "--label", "far",
        "--guidance", "3", "--sampler", "ddim", "--steps", "20", "--n", "8", "--seed", "5", "--batch", "3",
        "--out", out.toString());
    assertEquals(0, r.code(), r.toString());
    assertEquals(1, r.json().get("label").asInt());
    assertEquals(3.0, r.json().get("sampler").get("guidance").asDouble());
    float[] got = Npy.read(out).toFloat32();
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    ModelContext ctx = new ModelContext(sched, 2, DataRange.UNBOUNDED, false, null);
    Condition[] c = new Condition[8];
    Arrays.fill(c, new Condition(1, Guidance.of(3.0)));
    try (LabelledMixturePredictor p = new LabelledMixturePredictor(PAIR, sched)) {
      float[][] want = Driver.sample(((SamplerResult.Ok) Samplers.create(SamplerSettings.builder(SamplerKind.DDIM)
          .optSteps(20).optGuidance(3.0).build(), ctx)).sampler(), p, c, 5, 1, null);
      for (int i = 0; i < 8; i++) {
        assertArrayEquals(want[i], Arrays.copyOfRange(got, 2 * i, 2 * i + 2), "sample " + i);
      }
    }
    Cli.Result bad = Cli.run("sample", "--models", models.toString(), "--model", "pair", "--label", "sneaker",
        "--sampler", "ddim", "--steps", "5", "--n", "1", "--out", tmp.resolve("b.npy").toString());
    assertNotEquals(0, bad.code());
    assertTrue(bad.err().contains("unknown label 'sneaker'") && bad.err().contains("0 (near), 1 (far)"), bad.err());
    Cli.Result noLabel = Cli.run("sample", "--models", models.toString(), "--model", "pair", "--guidance", "2",
        "--sampler", "ddim", "--steps", "5", "--n", "1", "--out", tmp.resolve("c.npy").toString());
    assertNotEquals(0, noLabel.code());
    assertTrue(noLabel.err().contains("--guidance needs --label"), noLabel.err());
  }

  @Test
  void calibrateGuidanceWritesTheGridThatAnalyticSamplersUse() throws Exception {
    Path models = pair();
    Cli.Result before = Cli.run("sample", "--models", models.toString(), "--model", "pair", "--label", "0",
        "--guidance", "3", "--sampler", "analytic-ddim", "--steps", "10", "--n", "2", "--out",
        tmp.resolve("x.npy").toString());
    assertNotEquals(0, before.code());
    assertTrue(before.err().contains("no guided Γ grid"), before.err());
    Cli.Result cal = Cli.run("calibrate", "--models", models.toString(), "--model", "pair", "--guidance", "0,2,4",
        "--per-label", "--samples", "40", "--seed", "1");
    assertEquals(0, cal.code(), cal.toString());
    assertTrue(Files.exists(models.resolve("pair/gamma-guided.json")));
    assertEquals(false, cal.json().get("pooled").asBoolean());
    Cli.Result after = Cli.run("sample", "--models", models.toString(), "--model", "pair", "--label", "0",
        "--guidance", "3", "--sampler", "analytic-ddim", "--steps", "10", "--n", "2", "--out",
        tmp.resolve("y.npy").toString());
    assertEquals(0, after.code(), after.toString());
    Cli.Result outside = Cli.run("sample", "--models", models.toString(), "--model", "pair", "--label", "0",
        "--guidance", "5", "--sampler", "analytic-ddpm", "--steps", "10", "--n", "2", "--out",
        tmp.resolve("z.npy").toString());
    assertNotEquals(0, outside.code());
    assertTrue(outside.err().contains("covers w in [0.0, 4.0]"), outside.err());
  }

  /** The fixture with fashion-mnist's conditioning block: --label sneaker --guidance 3 writes a grid. */
  @Test
  void conditionalImageFixtureSamplesSneakers() throws Exception {
    Path out = tmp.resolve("grid.png");
    Cli.Result r = Cli.run("sample", "--models", Cli.fixtures().resolve("conditional").toString(), "--model",
        "tiny-cond-conv", "--label", "sneaker", "--guidance", "3", "--sampler", "ddim", "--steps", "3", "--n", "4",
        "--seed", "0", "--out", out.toString());
    assertEquals(0, r.code(), r.toString());
    assertEquals(7, r.json().get("label").asInt());
    assertEquals(2 * 3 * 4, r.json().get("evaluations").asInt(), "two network rows per guided sample and step");
    assertTrue(Files.size(out) > 100);
  }

  /**
   * {@code ./dpm sample --label … --guidance …} and the same request over HTTP ({@code submit --wait}, {@code fetch})
   * write the same npy bytes, on the labelled oracle and on the conditional image fixture.
   */
  @Test
  void localSampleAndTheSameRequestOverHttpGiveTheSameBytes() throws Exception {
    Path models = pair();
    for (String f : new String[] {"tiny-cond-conv"}) {
      Path dst = models.resolve(f);
      Files.createDirectories(dst);
      for (String file : new String[] {"model.json", "model.pt"}) {
        Files.copy(Cli.fixtures().resolve("conditional").resolve(f).resolve(file), dst.resolve(file));
      }
    }
    dev.dpm.server.config.ServerConfig cfg = dev.dpm.server.config.ServerConfig.builder().port(0).host("127.0.0.1")
        .dataDir(tmp.resolve("data")).modelsDir(models).device("cpu").maxBatch(16).shutdownGraceSeconds(0)
        .progressIntervalMs(0).build();
    try (dev.dpm.server.Harness h = new dev.dpm.server.Harness(dev.dpm.server.DpmServer.start(cfg,
        new dev.dpm.server.models.DefaultModelSource(), Samplers::create))) {
      String[][] cases = {{"pair", "far", "ddim", "12"}, {"tiny-cond-conv", "sneaker", "ddim", "3"}};
      for (String[] c : cases) {
        Path local = tmp.resolve(c[0] + "-local.npy");
        Cli.Result r = Cli.run("sample", "--models", models.toString(), "--model", c[0], "--label", c[1],
            "--guidance", "3", "--sampler", c[2], "--steps", c[3], "--n", "5", "--seed", "0", "--out", local.toString());
        assertEquals(0, r.code(), r.toString());
        RemoteCommandsTest.Result s = RemoteCommandsTest.dpm("submit", "--server", h.base, "--model", c[0], "--label",
            c[1], "--guidance", "3", "--sampler", c[2], "--steps", c[3], "--n", "5", "--seed", "0", "--outputs", "npy",
            "--wait");
        assertEquals(0, s.code(), s.toString());
        dev.dpm.client.Job job = dev.dpm.client.DpmJson.read(s.out().strip(), dev.dpm.client.Job.class);
        assertEquals(3.0, job.sampler().guidance());
        assertTrue(job.label() != null);
        Path remote = tmp.resolve(c[0] + "-remote.npy");
        RemoteCommandsTest.Result f = RemoteCommandsTest.dpm("fetch", job.id(), "--server", h.base, "--out",
            remote.toString());
        assertEquals(0, f.code(), f.toString());
        float[] a = Npy.read(local).toFloat32();
        float[] b = Npy.read(remote).toFloat32();
        assertArrayEquals(a, b, c[0] + ": local and HTTP samples differ");
      }
    }
  }
}
