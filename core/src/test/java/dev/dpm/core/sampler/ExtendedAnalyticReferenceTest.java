package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.TrajectoryKind;
import dev.dpm.core.variance.ImperfectMeanCovariance;
import dev.dpm.core.variance.ImperfectMeanCovariance.Head;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Parity with the official SN-DPM / NPR-DPM code (Bao et al. 2022b, {@code baofff/Extended-Analytic-DPM},
 * {@code core/diffusion/dtdpm.py}): for the same ε and second-head outputs, the per-step σ² (and the
 * step's mean) of the official DDPM and DDIM classes with {@code clip_x0=True}, computed offline by
 * {@code training/reference/make_extended_analytic_refs.py} into {@code reference/extended-analytic.txt},
 * equal ours: {@link ImperfectMeanCovariance} to 1e-12 relative, and the sampler's actual step x_t → x_s
 * (μ + σ_j z_j with the process's own noise draw) to float precision.
 */
class ExtendedAnalyticReferenceTest {
  static final NoiseSchedule LINEAR = NoiseSchedule.linear(1000);
  static final int D = 6;

  /** One reference case: name, s, t, η and the arrays (B·d values, row-major). */
  record Case(String name, int s, int t, double eta, Map<String, double[]> arrays) {
    Head head() {
      return name.startsWith("sn") ? Head.SN : Head.NPR;
    }

    boolean ddim() {
      return name.endsWith("ddim");
    }

    float[] floats(String key) {
      double[] v = arrays.get(key);
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i]; // the inputs are float32 values
      }
      return f;
    }
  }

  static List<Case> cases() throws IOException {
    List<Case> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        ExtendedAnalyticReferenceTest.class.getResourceAsStream("/reference/extended-analytic.txt"),
        StandardCharsets.UTF_8))) {
      String line;
      String[] head = null;
      Map<String, double[]> arrays = null;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        String[] w = line.split(" ");
        if (w[0].equals("case")) {
          head = w;
          arrays = new HashMap<>();
        } else if (w[0].equals("end")) {
          out.add(new Case(head[1], Integer.parseInt(head[2].substring(2)), Integer.parseInt(head[3].substring(2)),
              Double.parseDouble(head[4].substring(4)), arrays));
        } else {
          arrays.put(w[0], Arrays.stream(w, 1, w.length).mapToDouble(Double::parseDouble).toArray());
        }
      }
    }
    return out;
  }

  @Test
  void perStepSigma2MatchesTheOfficialFormulas() throws IOException {
    List<Case> cases = cases();
    assertEquals(64, cases.size());
    int clippedLow = 0;
    int clippedHigh = 0;
    for (Case c : cases) {
      float[] eps = c.floats("eps");
      float[] head = c.floats("head");
      double[] want = c.arrays().get("sigma2");
      double lam2 = (c.ddim() ? c.eta() * c.eta() : 1.0) * LINEAR.tildeBeta(c.s(), c.t());
      for (int row = 0; row * D < eps.length; row++) {
        float[] e = Arrays.copyOfRange(eps, row * D, row * D + D);
        float[] h = Arrays.copyOfRange(head, row * D, row * D + D);
        double[] v = ImperfectMeanCovariance.covX0(c.head(), LINEAR, c.t(), e, h, DataRange.SYMMETRIC_UNIT);
        double[] got = ImperfectMeanCovariance.sigma2(LINEAR, c.s(), c.t(), lam2, v);
        for (int j = 0; j < D; j++) {
          double w = want[row * D + j];
          assertEquals(w, got[j], 1e-12 * Math.abs(w) + 1e-300,
              c.name() + " s=" + c.s() + " t=" + c.t() + " eta=" + c.eta() + " [" + row + "," + j + "]");
          clippedLow += v[j] == 0.0 ? 1 : 0;
          clippedHigh += v[j] == 1.0 ? 1 : 0;
        }
      }
    }
    assertTrue(clippedLow >= 64 && clippedHigh >= 64, "both clips are exercised: " + clippedLow + ", " + clippedHigh);
  }

  @Test
  void theSamplersStepIsTheOfficialMeanPlusSigmaTimesItsNoise() throws IOException {
    ModelContext ctx = new ModelContext(LINEAR, D, DataRange.SYMMETRIC_UNIT, false, null)
        .withHeads(Set.of(SecondHead.EPS2, SecondHead.EPSC));
    int checked = 0;
    for (Case c : cases()) {
      if (c.s() == 0) {
        continue; // the last step is mean-only in sampling
      }
      SamplerKind kind = SamplerKind.parse(c.name());
      SamplerSettings.Builder b = SamplerSettings.builder(kind).optTrajectory(TrajectoryKind.EXPLICIT)
          .optTimesteps(new int[] {c.s(), c.t()}).optClipSigma2(0);
      if (c.ddim()) {
        b.optEta(c.eta());
      }
      Sampler sampler = Oracles.create(b.build(), ctx);
      float[] xt = c.floats("xt");
      float[] eps = c.floats("eps");
      float[] head = c.floats("head");
      double[] mean = c.arrays().get("mean");
      double[] sigma2 = c.arrays().get("sigma2");
      for (int row = 0; row * D < xt.length; row++) {
        SamplingProcess p = sampler.start(new NoiseSource(5).stream(row), Arrays.copyOfRange(xt, row * D, row * D + D));
        assertEquals(c.head().output(), p.pending().head());
        assertEquals(c.t(), p.pending().time());
        p.accept(eps, head, row * D);
        float[] xs = p.pending().x();
        float[] z = new float[D];
        new NoiseSource(5).stream(row).nextGaussian(z); // the process's first draw (x_T was given)
        for (int j = 0; j < D; j++) {
          int k = row * D + j;
          double want = mean[k] + Math.sqrt(sigma2[k]) * z[j];
          assertEquals(want, xs[j], 2e-6 * (1 + Math.abs(want)), c.name() + " s=" + c.s() + " t=" + c.t()
              + " eta=" + c.eta() + " [" + row + "," + j + "]");
        }
        checked++;
      }
    }
    assertEquals(2 * (64 - 8), checked);
  }
}
