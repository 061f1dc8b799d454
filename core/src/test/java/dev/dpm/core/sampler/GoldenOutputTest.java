package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.MixtureSpec;
import dev.dpm.core.moments.Moments;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every sampler's output, bit for bit, against golden files made before the host-speed work of
 * issue 17 (core/src/test/resources/golden/*.npy, float32 [n, d]): 3 samples of d = 37 (odd, so
 * the Box–Muller tail is used) on the Gaussian oracle N(0.1, 0.2²·I) with the data range [−1, 1]
 * (x̂₀ clamped), linear schedule N = 1000, K = 20 (ode-rk45 adaptive), seed 7, batch 2 (so the
 * driver's chunking is exercised), and the same again driven as the engine does (one packed
 * evaluation, {@code prepare()} while it runs, {@code accept(eps, offset)}). Regenerate only on purpose, with the reason in the commit:
 * {@code mvn -pl core test -Dtest=GoldenOutputTest -Ddpm.golden.write=core/src/test/resources/golden}.
 */
class GoldenOutputTest {
  private static final int D = 37;
  private static final int N = 3;

  /** The configurations: file name and settings. */
  private static List<Object[]> cases() {
    List<Object[]> c = new ArrayList<>();
    for (SamplerKind k : SamplerKind.values()) {
      SamplerSettings.Builder b = SamplerSettings.builder(k);
      if (k != SamplerKind.ODE_RK45) {
        b.optSteps(20);
      }
      c.add(new Object[] {k.wire(), b.build()});
    }
    c.add(new Object[] {"ddpm-forward", SamplerSettings.builder(SamplerKind.DDPM).optSteps(20)
        .optVariance(SamplerSettings.VarianceKind.FORWARD).build()});
    c.add(new Object[] {"ddim-eta1", SamplerSettings.builder(SamplerKind.DDIM).optSteps(20).optEta(1.0).build()});
    return c;
  }

  /**
   * Drives the processes as the engine does: all rows packed in one evaluation, {@code prepare()}
   * (twice: it is idempotent) while the "network" runs, then each row's ε from the packed output.
   */
  private static void packedWithPrepare(List<SamplingProcess> ps, GaussianMixturePredictor oracle) {
    List<SamplingProcess> live = new ArrayList<>(ps);
    while (!live.isEmpty()) {
      float[] x = new float[live.size() * D];
      double[] t = new double[live.size()];
      dev.dpm.core.model.SecondHead[] head = new dev.dpm.core.model.SecondHead[live.size()];
      for (int r = 0; r < live.size(); r++) {
        EvalRequest q = live.get(r).pending();
        System.arraycopy(q.x(), 0, x, r * D, D);
        t[r] = q.time();
        head[r] = q.head();
      }
      for (SamplingProcess p : live) {
        p.prepare();
        p.prepare();
      }
      dev.dpm.core.model.Prediction out = oracle.predict(x, t, live.size(), oracle.secondHeads());
      for (int r = 0; r < live.size(); r++) {
        if (head[r] == null) {
          live.get(r).accept(out.eps(), r * D);
        } else {
          live.get(r).accept(out.eps(), out.head(head[r]), r * D);
        }
      }
      live.removeIf(SamplingProcess::isDone);
    }
  }

  private static float[][] run(SamplerSettings s) {
    return run(s, false);
  }

  private static float[][] run(SamplerSettings s, boolean packed) {
    NoiseSchedule sched = NoiseSchedule.linear(1000);
    double[] mean = new double[D];
    java.util.Arrays.fill(mean, 0.1);
    GaussianMixturePredictor oracle = new GaussianMixturePredictor(
        new MixtureSpec(new double[] {1}, new double[][] {mean}, new double[] {0.2}), sched);
    ModelContext ctx = new ModelContext(sched, D, DataRange.SYMMETRIC_UNIT, false,
        Moments.isotropicGaussian(sched, 0.04)).withHeads(oracle.secondHeads());
    SamplerResult r = Samplers.create(s, ctx);
    if (!(r instanceof SamplerResult.Ok ok)) {
      throw new AssertionError(((SamplerResult.Invalid) r).problems().toString());
    }
    NoiseSource noise = new NoiseSource(7);
    List<SamplingProcess> ps = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ps.add(ok.sampler().start(noise.stream(i)));
    }
    if (packed) {
      packedWithPrepare(ps, oracle);
    } else {
      Driver.run(ps, oracle, 2, null);
    }
    float[][] out = new float[N][];
    for (int i = 0; i < N; i++) {
      out[i] = ps.get(i).sample();
    }
    return out;
  }

  @Test
  void everySamplerMatchesItsGoldenFileBitForBitDrivenEitherWay() throws IOException {
    String write = System.getProperty("dpm.golden.write");
    int checked = 0;
    for (Object[] c : cases()) {
      float[][] got = run((SamplerSettings) c[1]);
      String file = c[0] + ".npy";
      if (write != null) {
        Files.write(Path.of(write).resolve(file), npy(got));
        continue;
      }
      float[][] want = readNpy(file);
      assertEquals(N, want.length, file);
      float[][] packed = run((SamplerSettings) c[1], true);
      for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) {
          assertEquals(Float.floatToRawIntBits(want[i][j]), Float.floatToRawIntBits(got[i][j]),
              file + " sample " + i + " value " + j + ": " + want[i][j] + " vs " + got[i][j]);
          assertEquals(Float.floatToRawIntBits(want[i][j]), Float.floatToRawIntBits(packed[i][j]),
              file + " (packed, prepared) sample " + i + " value " + j);
        }
      }
      checked++;
    }
    assertTrue(write != null || checked == cases().size());
  }

  /** A float32 [n, d] array as .npy (format 1.0, little-endian, C order). */
  static byte[] npy(float[][] a) {
    String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + a.length + ", " + a[0].length + "), }";
    int len = 10 + header.length() + 1;
    int pad = (64 - len % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * a.length * a[0].length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    for (float[] row : a) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    return b.array();
  }

  private static float[][] readNpy(String file) throws IOException {
    byte[] all;
    try (InputStream in = GoldenOutputTest.class.getResourceAsStream("/golden/" + file)) {
      if (in == null) {
        throw new AssertionError("missing golden file " + file);
      }
      ByteArrayOutputStream bo = new ByteArrayOutputStream();
      in.transferTo(bo);
      all = bo.toByteArray();
    }
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    int hl = b.getShort(8) & 0xFFFF;
    String header = new String(all, 10, hl, StandardCharsets.US_ASCII);
    assertTrue(header.contains("'<f4'"), header);
    String shape = header.substring(header.indexOf("(") + 1, header.indexOf(")"));
    String[] parts = shape.split(",");
    int n = Integer.parseInt(parts[0].trim());
    int d = Integer.parseInt(parts[1].trim());
    b.position(10 + hl);
    float[][] out = new float[n][d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        out[i][j] = b.getFloat();
      }
    }
    return out;
  }
}
