package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.server.models.ModelPoller;
import dev.dpm.server.models.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Polling the models directory on real TorchScript fixtures, one scan at a time: a new folder is loaded, a changed
 * one reloaded, a removed one unloaded; a refused folder is not retried until it changes; the Γ file the server
 * writes is not a change.
 */
class ModelPollerTest {
  static final Path FIXTURES = TorchScriptServeTest.FIXTURES;
  @TempDir Path tmp;

  /** Moves a file's modification time on, so a same-size edit is seen whatever the clock's resolution. */
  static void touch(Path f) throws Exception {
    Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5_000));
  }

  @Test
  void newChangedAndRemovedFoldersAreLoadedReloadedAndUnloaded() throws Exception {
    Path models = tmp.resolve("models");
    Path mlp = ModelRegistryTest.copy(FIXTURES.resolve("tiny-mlp-2d"), models, "tiny-mlp-2d");
    try (ModelRegistry r = ModelRegistry.load(models, null, "cpu", new DefaultModelSource())) {
      ModelPoller p = new ModelPoller(r, models, null);
      assertEquals(Map.of(), p.poll(), "nothing changed since the registry loaded the folder");

      ModelRegistryTest.copy(FIXTURES.resolve("gaussian/g-eps-lin-f32"), models, "g2");
      assertEquals(Map.of("g2", "load"), p.poll());
      assertNotNull(r.get("g2"));

      Path bad = ModelAdminTest.brokenCopy(models, "bad");
      assertEquals(Map.of("bad", "load-refused"), p.poll());
      assertEquals(Map.of(), p.poll(), "a refused folder is not retried until it changes");
      ModelRegistryTest.set(bad, "0".repeat(64), ModelLoader.sha256(bad.resolve("model.pt")));
      touch(bad.resolve("model.json"));
      assertEquals(Map.of("bad", "load"), p.poll());
      assertNull(r.failure("bad"));

      String v1 = r.get("tiny-mlp-2d").version();
      Files.writeString(mlp.resolve("gamma.json"), "{}");
      assertEquals(Map.of(), p.poll(), "the Γ file the server installs is not a change of the model");
      Files.delete(mlp.resolve("gamma.json")); // (this one is no Γ file: the reload below would refuse it)
      Files.write(mlp.resolve("model.pt"), new byte[] {0}, StandardOpenOption.APPEND);
      ModelRegistryTest.set(mlp, v1, ModelLoader.sha256(mlp.resolve("model.pt")));
      assertEquals(Map.of("tiny-mlp-2d", "reload"), p.poll());
      assertNotEquals(v1, r.get("tiny-mlp-2d").version());

      try (Stream<Path> s = Files.walk(models.resolve("g2"))) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      assertEquals(Map.of("g2", "unload"), p.poll());
      assertNull(r.get("g2"));
      assertEquals(java.util.List.of("bad", "tiny-mlp-2d"),
          r.all().stream().map(dev.dpm.server.models.ServedModel::name).sorted().toList());
    }
  }
}
