package dev.dpm.core.moments;

import dev.dpm.testkit.IsotropicGaussianEps;
import dev.dpm.runtime.model.GammaJson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GammaTest {
  @TempDir Path dir;

  @Test
  void monteCarloGammaRoundTripsWithProvenance() throws IOException {
    NoiseSchedule sched = NoiseSchedule.linear(25);
    DataSet data = MomentsTest.gaussianRows(16, 2, 0.25, 3);
    Moments.Estimate est = Moments.estimate(new IsotropicGaussianEps(sched, 2, 0, 0.25), sched, data, 42, 8, null);
    Gamma g = est.toGamma(25, Provenance.monteCarlo("ABCDEF", data.describe(), 16, 42, ScheduleInfo.of("linear", sched)));
    Path f = dir.resolve("gamma.json");
    GammaJson.write(g, f);
    Gamma r = GammaJson.read(f, sched);
    assertArrayEquals(g.values(), r.values(), 0.0);
    assertArrayEquals(g.stdError(), r.stdError(), 0.0);
    assertEquals(g.provenance(), r.provenance());
    assertEquals(Estimator.MONTE_CARLO, r.provenance().estimator());
    assertEquals(16, r.provenance().samples());
    assertTrue(r.madeWithModel("abcdef"));
    assertFalse(r.madeWithModel("abcde0"));
    String text = Files.readString(f);
    assertTrue(text.contains("\"estimator\" : \"monte-carlo\"") && text.contains("\"created\" : \""), text);
    assertEquals(0.0, r.get(0));
    assertEquals(est.mean()[4], r.get(5), 0.0);
  }

  @Test
  void controlVariateProvenanceRoundTripsWithRowsPerStep() throws IOException {
    NoiseSchedule sched = NoiseSchedule.linear(25);
    DataSet data = MomentsTest.gaussianRows(16, 2, 0.25, 3);
    Moments.Estimate est = Moments.estimate(new IsotropicGaussianEps(sched, 2, 0, 0.25), sched, data, 42, 8,
        new Moments.Options(5, true), null);
    Gamma g = est.toGamma(25, Provenance.of("ABCDEF", est, ScheduleInfo.of("linear", sched)));
    Path f = dir.resolve("gamma-cv.json");
    GammaJson.write(g, f);
    Gamma r = GammaJson.read(f, sched);
    assertEquals(g.provenance(), r.provenance());
    assertEquals(Estimator.MONTE_CARLO_CONTROL_VARIATE, r.provenance().estimator());
    assertEquals(16, r.provenance().samples());
    assertEquals(5, r.provenance().rowsPerStep());
    assertTrue(Files.readString(f).contains("\"estimator\" : \"monte-carlo-control-variate\""));
  }

  @Test
  void closedFormGammaRoundTrips() throws IOException {
    NoiseSchedule sched = NoiseSchedule.linear(30);
    Gamma g = Moments.isotropicGaussianGamma(sched, "linear", 0.25);
    Path f = dir.resolve("g.json");
    GammaJson.write(g, f);
    Gamma r = GammaJson.read(f, sched);
    assertArrayEquals(Moments.isotropicGaussian(sched, 0.25), r.values(), 0.0);
    assertEquals(Estimator.CLOSED_FORM, r.provenance().estimator());
    assertArrayEquals(new double[31], r.stdError(), 0.0);
  }

  @Test
  void invalidFilesAreRejectedWithTheFileNamed() throws IOException {
    NoiseSchedule sched = NoiseSchedule.linear(30);
    Path f = dir.resolve("gamma.json");
    GammaJson.write(Moments.isotropicGaussianGamma(sched, "linear", 0.25), f);

    IOException e = assertThrows(IOException.class, () -> GammaJson.read(f, NoiseSchedule.linear(31)));
    assertTrue(e.getMessage().contains("gamma.json") && e.getMessage().contains("N+1 = 32"), e.getMessage());
    e = assertThrows(IOException.class, () -> GammaJson.read(f, NoiseSchedule.cosine(30)));
    assertTrue(e.getMessage().contains("different schedule"), e.getMessage());

    Files.writeString(f, "{\"gamma\":[0, 0.5, -0.1]}");
    e = assertThrows(IOException.class, () -> GammaJson.read(f));
    assertTrue(e.getMessage().contains("gamma[2] = -0.1"), e.getMessage());
    Files.writeString(f, "{\"gamma\":[0, 0.5, \"x\"]}");
    e = assertThrows(IOException.class, () -> GammaJson.read(f));
    assertTrue(e.getMessage().contains("gamma[2] is not a number"), e.getMessage());
    Files.writeString(f, "{\"gamma\":[0, 0.5, 0.7], \"stdError\":[0, 0]}");
    e = assertThrows(IOException.class, () -> GammaJson.read(f));
    assertTrue(e.getMessage().contains("stdError has 2 entries"), e.getMessage());
    Files.writeString(f, "{\"stdError\":[0, 0]}");
    e = assertThrows(IOException.class, () -> GammaJson.read(f));
    assertTrue(e.getMessage().contains("missing array 'gamma'"), e.getMessage());
    Files.writeString(f, "{\"gamma\":[0, NaN, 1]}");
    assertThrows(IOException.class, () -> GammaJson.read(f));
    e = assertThrows(IOException.class, () -> GammaJson.read(dir.resolve("absent.json")));
    assertTrue(e.getMessage().contains("absent.json"), e.getMessage());
    // a minimal hand-written file without provenance is accepted
    Files.writeString(f, "{\"gamma\":[0, 0.5, 0.7]}");
    assertEquals(0.7, GammaJson.read(f, NoiseSchedule.ofBetas(new double[] {0.1, 0.2})).get(2));
  }
}
