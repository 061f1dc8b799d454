package dev.dpm.core.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.schedule.NoiseSchedule;
import org.junit.jupiter.api.Test;

/**
 * {@code clipped-eps}: the DDIM-type mean with ε' = (x_t − √ᾱ_t x̂₀)/√β̄_t where the clamp of x̂₀ acted. The oracle is
 * a point mass at x₀ = 2, outside the data range [−1, 1], with its exact ε(x_t, t) = (x_t − 2√ᾱ_t)/√β̄_t (a
 * stand-in for a guided ε̃ whose x̂₀ overshoots the range). Deterministic DDIM keeps u = (x_t − √ᾱ_t x̂₀)/√β̄_t
 * constant along the path when its mean is consistent with the x̂₀ it uses: with clipped-eps, x̂₀ = 1 (clamped) and
 * u is the invariant of the point mass at 1; with the raw ε, u drifts away from it at every step.
 */
class ClippedEpsTest {
  private static final NoiseSchedule SCHED = NoiseSchedule.linear(1000);
  private static final ModelContext IMAGES = new ModelContext(SCHED, 3, DataRange.SYMMETRIC_UNIT, false, null);
  private static final ModelContext UNBOUNDED = new ModelContext(SCHED, 3, DataRange.UNBOUNDED, false, null);

  private static float[] run(SamplerSettings settings, ModelContext model, double x0, float[] xT, double[] invariant) {
    Sampler s = ok(Samplers.create(settings, model)).sampler();
    SamplingProcess p = s.start(new NoiseSource(5).stream(0), xT);
    while (!p.isDone()) {
      EvalRequest r = p.pending();
      int t = (int) r.time();
      double sa = Math.sqrt(SCHED.alphaBar(t));
      double sb = Math.sqrt(SCHED.betaBar(t));
      float[] eps = new float[r.x().length];
      for (int j = 0; j < eps.length; j++) {
        eps[j] = (float) ((r.x()[j] - sa * x0) / sb); // exact ε of the point mass at x0
      }
      p.accept(eps);
      if (!p.isDone() && invariant != null) {
        int s2 = (int) p.pending().time();
        double a = Math.sqrt(SCHED.alphaBar(s2));
        double b = Math.sqrt(SCHED.betaBar(s2));
        invariant[0] = Math.max(invariant[0], Math.abs((p.pending().x()[0] - a * 1.0) / b - (xT[0] - Math.sqrt(
            SCHED.alphaBar(1000)) * 1.0) / Math.sqrt(SCHED.betaBar(1000))));
      }
    }
    return p.sample();
  }

  private static SamplerResult.Ok ok(SamplerResult r) {
    return (SamplerResult.Ok) r;
  }

  @Test
  void theDdimMeanIsConsistentWithTheClampedX0() {
    float[] xT = {0.7f, -1.3f, 0.2f};
    SamplerSettings on = SamplerSettings.builder(SamplerKind.DDIM).optSteps(20).optClippedEps(true).build();
    SamplerSettings off = SamplerSettings.builder(SamplerKind.DDIM).optSteps(20).build();
    double[] driftOn = {0};
    double[] driftOff = {0};
    float[] a = run(on, IMAGES, 2.0, xT, driftOn);
    float[] b = run(off, IMAGES, 2.0, xT, driftOff);
    assertArrayEquals(new float[] {1f, 1f, 1f}, a); // x̂₀ clamped to the bound on the last step
    assertArrayEquals(new float[] {1f, 1f, 1f}, b);
    assertTrue(driftOn[0] < 1e-5, "clipped-eps keeps the DDIM invariant of x₀ = 1: drift " + driftOn[0]);
    assertTrue(driftOff[0] > 0.05, "the raw ε drifts from it: " + driftOff[0]);
  }

  @Test
  void withoutClampingItChangesNothingBitForBit() {
    float[] xT = {0.7f, -1.3f, 0.2f};
    for (SamplerKind k : new SamplerKind[] {SamplerKind.DDIM, SamplerKind.ANALYTIC_DDIM}) {
      ModelContext m = k.needsGamma() ? UNBOUNDED.withGamma(flat()) : UNBOUNDED;
      SamplerSettings on = SamplerSettings.builder(k).optSteps(10).optEta(0.5).optClippedEps(true).build();
      SamplerSettings off = SamplerSettings.builder(k).optSteps(10).optEta(0.5).build();
      assertArrayEquals(run(off, m, 2.0, xT, null), run(on, m, 2.0, xT, null), k.wire()); // never clamped
      // bounded data whose x̂₀ stays inside the range: the clamp never acts, so the same bits
      ModelContext mi = k.needsGamma() ? IMAGES.withGamma(flat()) : IMAGES;
      assertArrayEquals(run(off, mi, 0.25, xT, null), run(on, mi, 0.25, xT, null), k.wire() + " in range");
    }
  }

  @Test
  void guidanceAboveOneTurnsItOnAndTheEchoSaysSo() {
    SamplerSettings guided = SamplerSettings.builder(SamplerKind.ANALYTIC_DDIM).optSteps(10).optGuidance(3.0).build();
    assertEquals(Boolean.TRUE, ok(Samplers.create(guided, IMAGES.withGamma(flat()))).sampler().settings().clippedEps());
    SamplerSettings plain = SamplerSettings.builder(SamplerKind.DDIM).optSteps(10).optGuidance(1.0).build();
    assertEquals(null, ok(Samplers.create(plain, IMAGES)).sampler().settings().clippedEps());
    SamplerResult bad = Samplers.create(SamplerSettings.builder(SamplerKind.DDPM).optSteps(10).optClippedEps(true)
        .build(), IMAGES);
    assertEquals("clipped-eps", ((SamplerResult.Invalid) bad).problems().get(0).field());
    SamplerResult cont = Samplers.create(SamplerSettings.builder(SamplerKind.ODE_EULER).optSteps(10)
        .optClippedEps(true).build(), IMAGES);
    assertEquals("clipped-eps", ((SamplerResult.Invalid) cont).problems().get(0).field());
  }

  private static double[] flat() {
    double[] g = new double[1001];
    java.util.Arrays.fill(g, 0.5);
    return g;
  }
}
