package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dpm.core.catalog.Samplers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled class-conditional model's headline command (issue 13):
 * {@code ./dpm sample --model fashion-mnist --label sneaker --guidance 3 --sampler analytic-ddim --steps 25 --n 64
 * --seed 0 --out grid.png} writes exactly the grid committed next to the model (64 sneakers; DDIM with
 * {@code clipped-eps}, on by default at w &gt; 1), and the same request over HTTP returns the same PNG bytes.
 */
class BundledGuidedGridTest {
  static final String MODEL = "fashion-mnist";
  static final String GRID = "samples-sneaker-cfg3-analytic-ddim-k25.png";

  @TempDir Path tmp;

  @Test
  void theCommittedSneakerGridLocallyAndOverHttp() throws Exception {
    Path bundled = Cli.root().resolve("models").resolve(MODEL);
    byte[] committed = Files.readAllBytes(bundled.resolve(GRID));
    String[] request = {"--model", MODEL, "--label", "sneaker", "--guidance", "3", "--sampler", "analytic-ddim",
        "--steps", "25", "--n", "64", "--seed", "0"};

    Path local = tmp.resolve("grid.png");
    Cli.Result r = Cli.run(concat(new String[] {"sample", "--models", Cli.root().resolve("models").toString()},
        request, new String[] {"--out", local.toString()}));
    assertEquals(0, r.code(), r.toString());
    assertEquals(true, r.json().get("sampler").get("clipped-eps").asBoolean(), r.toString());
    assertArrayEquals(committed, Files.readAllBytes(local), "the local grid differs from the committed " + GRID);

    Path models = tmp.resolve("models");
    Path dst = models.resolve(MODEL);
    Files.createDirectories(dst);
    for (String f : new String[] {"model.json", "model.pt", "gamma.json", "gamma-guided.json"}) {
      Files.copy(bundled.resolve(f), dst.resolve(f));
    }
    dev.dpm.server.config.ServerConfig cfg = dev.dpm.server.config.ServerConfig.builder().port(0).host("127.0.0.1")
        .dataDir(tmp.resolve("data")).modelsDir(models).device("cpu").maxBatch(128).shutdownGraceSeconds(0)
        .progressIntervalMs(0).build();
    try (dev.dpm.server.Harness h = new dev.dpm.server.Harness(dev.dpm.server.DpmServer.start(cfg,
        new dev.dpm.server.models.DefaultModelSource(), Samplers::create))) {
      RemoteCommandsTest.Result s = RemoteCommandsTest.dpm(concat(new String[] {"submit", "--server", h.base}, request,
          new String[] {"--outputs", "png", "--wait"}));
      assertEquals(0, s.code(), s.toString());
      dev.dpm.client.Job job = dev.dpm.client.DpmJson.read(s.out().strip(), dev.dpm.client.Job.class);
      assertEquals(Boolean.TRUE, job.sampler().clippedEps());
      Path remote = tmp.resolve("remote.png");
      RemoteCommandsTest.Result f = RemoteCommandsTest.dpm("fetch", job.id(), "--server", h.base, "--format", "png",
          "--out", remote.toString());
      assertEquals(0, f.code(), f.toString());
      assertArrayEquals(committed, Files.readAllBytes(remote), "the HTTP grid differs from the committed " + GRID);
    }
  }

  private static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
