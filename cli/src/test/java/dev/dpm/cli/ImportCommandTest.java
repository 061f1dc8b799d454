package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dpm import} on a folder as a user brings it (a TorchScript file and a diffusers
 * scheduler_config.json), then {@code --model FOLDER} in other commands.
 */
class ImportCommandTest {
  @TempDir Path tmp;

  /** A user's folder: the network and the config only, no model.json. */
  Path userFolder(String fixture) throws Exception {
    Path src = tmp.resolve("src-" + fixture);
    Files.createDirectories(src.resolve("scheduler"));
    Path from = Cli.fixtures().resolve("gaussian").resolve(fixture);
    Files.copy(from.resolve("model.pt"), src.resolve("unet.pt"));
    Files.copy(from.resolve("scheduler_config.json"), src.resolve("scheduler").resolve("scheduler_config.json"));
    return src;
  }

  @Test
  void importsAnInt64VPredictionNetworkAndSamplesFromTheFolder() throws Exception {
    Path src = userFolder("g-v-slin-i64");
    Path out = tmp.resolve("my-model");
    Cli.Result r = Cli.run("import", src.toString(), "--out", out.toString(), "--sample-shape", "2");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("time dtype: int64 (float32 t fails: RuntimeError: tensors used as indices must be long"), r.out());
    assertTrue(r.out().contains("prediction: v (prediction_type"), r.out());
    assertTrue(r.out().contains("default trajectory: trailing (timestep_spacing)"), r.out());
    assertTrue(r.out().contains("confirmed: t = N is out of range"), r.out());
    JsonNode m = new ObjectMapper().readTree(out.resolve("model.json").toFile());
    assertEquals("my-model", m.path("name").asText(), "the name defaults to DIR's folder name");
    assertEquals("int64", m.path("timeDType").asText());
    assertEquals(ModelLoader.sha256(out.resolve("unet.pt")), m.path("sha256").asText());
    assertTrue(Files.isRegularFile(out.resolve("scheduler_config.json")));
    // --model takes the folder; the config's v_prediction is honoured (std 0.1 on the second coordinate, not 5)
    Path npy = tmp.resolve("s.npy");
    Cli.Result s = Cli.run("sample", "--model", out.toString(), "--sampler", "ddim", "--steps", "20", "--n", "400",
        "--out", npy.toString());
    assertEquals(0, s.code(), s.toString());
    float[] x = Npy.read(npy).toFloat32();
    double mean = 0;
    double sq = 0;
    for (int i = 1; i < x.length; i += 2) {
      mean += x[i];
      sq += x[i] * x[i];
    }
    mean /= x.length / 2.0;
    double sd = Math.sqrt(sq / (x.length / 2.0) - mean * mean);
    assertTrue(Math.abs(mean + 0.3) < 0.03 && sd > 0.03 && sd < 0.12, "mean " + mean + " std " + sd);
  }

  @Test
  void refusesWhatItCannotHonourNamingTheField() throws Exception {
    Path src = userFolder("g-eps-lin-f32");
    Path cfg = src.resolve("scheduler").resolve("scheduler_config.json");
    Files.writeString(cfg, Files.readString(cfg).replace("\"timestep_spacing\": \"leading\"", "\"timestep_spacing\": \"karras\""));
    Cli.Result r = Cli.run("import", src.toString(), "--out", tmp.resolve("m").toString(), "--sample-shape", "2");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("timestep_spacing 'karras'"), r.err());
    Cli.Result noShape = Cli.run("import", userFolder("g-x0-cos-f32").toString(), "--out", tmp.resolve("m2").toString());
    assertEquals(2, noShape.code(), noShape.toString());
    assertTrue(noShape.err().contains("--sample-shape is required"), noShape.err());
  }

  @Test
  void aFolderWithoutModelJsonSaysHowToWriteOne() throws Exception {
    Path src = userFolder("g-eps-lin-f32");
    Cli.Result r = Cli.run("plan", "--model", src.toString(), "--sampler", "ddim", "--steps", "10");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("holds no model.json") && r.err().contains("./dpm import"), r.err());
  }
}
