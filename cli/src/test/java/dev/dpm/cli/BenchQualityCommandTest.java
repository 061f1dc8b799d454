package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.dpm.core.data.DataSet;
import dev.dpm.core.likelihood.BoundResult;
import dev.dpm.core.likelihood.BoundSettings;
import dev.dpm.core.likelihood.Decoder;
import dev.dpm.core.likelihood.VariationalBound;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.runtime.model.TorchScriptPredictor;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.Trajectory;
import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.FeatureExtractor;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualitySettings;
import dev.dpm.bench.quality.SharedBound;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import dev.dpm.cli.BenchQualityCommand;

/** {@code dpm bench quality}: runs on the oracle, resumes, and rejects bad arguments with exit 2. */
class BenchQualityCommandTest {
  static Path root() {
    return Path.of(System.getProperty("dpm.root", "..")).toAbsolutePath().normalize();
  }

  @Test
  void commandRunsOnTheOracle(@TempDir Path out) {
    StringWriter so = new StringWriter();
    StringWriter se = new StringWriter();
    CommandLine cl = BenchQualityCommand.commandLine(new PrintWriter(so), new PrintWriter(se));
    String models = root().resolve("models").toString();
    int code = cl.execute("bench", "quality", "--model", "gmm-ring-2d", "--models", models,
        "--images", "8", "--samples", "16", "--ks", "10", "--sample-ks", "10", "--baseline-k", "0",
        "--calibrate-rows", "50", "--out", out.toString(), "--no-progress");
    assertEquals(0, code, se.toString());
    assertTrue(so.toString().contains("| even | Analytic-DDPM |"), so.toString());
    Path saved = out.resolve("gamma-estimated.json");
    assertTrue(Files.exists(saved));
    // the saved Γ is accepted by --gamma (and is what the first run used: the results resume)
    StringWriter e1 = new StringWriter();
    int again = BenchQualityCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(e1)).execute(
        "bench", "quality", "--model", "gmm-ring-2d", "--models", models, "--images", "8", "--samples", "16",
        "--ks", "10", "--sample-ks", "10", "--baseline-k", "0", "--gamma", saved.toString(), "--out", out.toString(),
        "--no-progress");
    assertEquals(0, again, e1.toString());
    assertTrue(e1.toString().contains("resuming"), e1.toString());
    // bad arguments: exit 2 and one line, no stack trace
    StringWriter e2 = new StringWriter();
    CommandLine bad = BenchQualityCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(e2));
    assertEquals(2, bad.execute("bench", "quality", "--model", "no-such-model", "--models", models));
    assertEquals(2, bad.execute("bench", "quality", "--model", "gmm-ring-2d", "--models", models,
        "--baselines", "ddpm-sideways"));
    assertFalse(e2.toString().contains("\tat "), e2.toString());
    assertTrue(e2.toString().contains("no-such-model"), e2.toString());
  }

  /** 8 features: the mean of each 7-pixel-wide vertical strip, top and bottom half. */
}
