package dev.dpm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ModelRegistry.OperationException;
import dev.dpm.server.models.ServedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model repository's operations on real folders (the tiny-mlp-2d TorchScript fixture and the
 * int64-time Gaussian fixture): failures isolated with their root cause, load, unload with a running
 * job's lease finishing, reload through the same checks.
 */
class ModelRegistryTest {
  static final Path FIXTURES = TorchScriptServeTest.FIXTURES;
  @TempDir Path tmp;

  static Path copy(Path from, Path models, String as) throws Exception {
    Path dst = models.resolve(as);
    Files.createDirectories(dst);
    try (var s = Files.list(from)) {
      for (Path f : s.toList()) {
        Files.copy(f, dst.resolve(f.getFileName()));
      }
    }
    if (!as.equals(from.getFileName().toString())) {
      String j = Files.readString(dst.resolve("model.json"));
      Files.writeString(dst.resolve("model.json"), j.replace("\"" + from.getFileName() + "\"", "\"" + as + "\""));
    }
    return dst;
  }

  static void set(Path dir, String from, String to) throws Exception {
    String j = Files.readString(dir.resolve("model.json"));
    assertTrue(j.contains(from), from);
    Files.writeString(dir.resolve("model.json"), j.replace(from, to));
  }

  ModelRegistry registry(Path models) throws Exception {
    return ModelRegistry.load(models, null, "cpu", new DefaultModelSource());
  }

  @Test
  void brokenModelsAreListedWithTheirRootCauseAndTheOthersLoad() throws Exception {
    Path models = tmp.resolve("models");
    copy(FIXTURES.resolve("tiny-mlp-2d"), models, "tiny-mlp-2d");
    Path dtype = copy(FIXTURES.resolve("gaussian/g-eps-lin-i64"), models, "wrong-dtype");
    set(dtype, "\"timeDType\": \"int64\"", "\"timeDType\": \"float32\"");
    Path pred = copy(FIXTURES.resolve("gaussian/g-v-lin-f32"), models, "wrong-prediction");
    set(pred, "\"kind\": \"torchscript\"", "\"kind\": \"torchscript\", \"prediction\": \"eps\"");
    try (ModelRegistry r = registry(models)) {
      assertEquals(List.of("tiny-mlp-2d"), r.all().stream().map(ServedModel::name).toList());
      var st = r.statuses();
      assertEquals(List.of("tiny-mlp-2d", "wrong-dtype", "wrong-prediction"),
          st.stream().map(ModelRegistry.ModelStatus::name).toList());
      assertEquals(List.of("loaded", "failed", "failed"), st.stream().map(ModelRegistry.ModelStatus::status).toList());
      assertTrue(r.failure("wrong-dtype").contains("tensors used as indices must be long"), r.failure("wrong-dtype"));
      assertTrue(r.failure("wrong-prediction").contains("prediction is eps")
          && r.failure("wrong-prediction").contains("v_prediction"), r.failure("wrong-prediction"));
      // fixed on disk, loaded at run time without a restart
      set(dtype, "\"timeDType\": \"float32\"", "\"timeDType\": \"int64\"");
      ServedModel m = r.load("wrong-dtype");
      assertSame(m, r.get("wrong-dtype"));
      assertNull(r.failure("wrong-dtype"));
      assertEquals(ModelSpec.read(dtype).sha256(), m.version());
      OperationException again = assertThrows(OperationException.class, () -> r.load("wrong-dtype"));
      assertEquals(OperationException.Kind.CONFLICT, again.kind());
      OperationException outside = assertThrows(OperationException.class, () -> r.load("../models/tiny-mlp-2d"));
      assertEquals(OperationException.Kind.NOT_FOUND, outside.kind(), "a name never leaves the models folder");
    }
  }

  @Test
  void unloadLetsRunningJobsFinishAndReloadGoesThroughTheSameChecks() throws Exception {
    Path models = tmp.resolve("models");
    Path dir = copy(FIXTURES.resolve("tiny-mlp-2d"), models, "tiny-mlp-2d");
    List<String> heard = new ArrayList<>();
    try (ModelRegistry r = registry(models)) {
      r.addListener(new ModelRegistry.Listener() {
        @Override public void loaded(ServedModel m) { heard.add("loaded " + m.version()); }
        @Override public void retired(ServedModel m) { heard.add("retired " + m.version()); }
      });
      ServedModel v1 = r.get("tiny-mlp-2d");
      assertTrue(v1.acquire(), "a running job's lease");
      // reload with a stale hash: refused, v1 keeps serving
      String sha = v1.version();
      set(dir, sha, "f".repeat(64));
      OperationException e = assertThrows(OperationException.class, () -> r.reload("tiny-mlp-2d"));
      assertEquals(OperationException.Kind.INVALID, e.kind());
      assertTrue(e.getMessage().contains("f".repeat(64)) && e.getMessage().contains(sha), e.getMessage());
      assertSame(v1, r.get("tiny-mlp-2d"));
      assertEquals("loaded", r.statuses().get(0).status());
      // a changed file with its new hash: the new version replaces v1, whose job still runs
      Files.write(dir.resolve("model.pt"), new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
      String sha2 = dev.dpm.runtime.model.ModelLoader.sha256(dir.resolve("model.pt"));
      set(dir, "f".repeat(64), sha2);
      ServedModel v2 = r.reload("tiny-mlp-2d");
      assertNotEquals(v1.version(), v2.version());
      assertSame(v2, r.get("tiny-mlp-2d"));
      assertTrue(v1.retired() && !v1.closed(), "retired, still running its job");
      float[] eps = v1.predictor().predictEps(new float[2], new double[] {10}, 1);
      assertEquals(2, eps.length);
      v1.release();
      assertTrue(v1.closed(), "closed with the last lease");
      // unload: no new leases, closed at once when none is held
      assertTrue(v2.acquire());
      ServedModel gone = r.unload("tiny-mlp-2d");
      assertSame(v2, gone);
      assertNull(r.get("tiny-mlp-2d"));
      assertFalse(v2.acquire(), "a queued job finds the model gone");
      assertFalse(v2.closed());
      v2.release();
      assertTrue(v2.closed());
      assertEquals(OperationException.Kind.NOT_FOUND,
          assertThrows(OperationException.class, () -> r.unload("tiny-mlp-2d")).kind());
      assertEquals(List.of("loaded " + sha2, "retired " + sha, "retired " + sha2), heard, "the new version first");
      assertEquals(sha2, r.load("tiny-mlp-2d").version(), "loaded again");
    }
  }
}
