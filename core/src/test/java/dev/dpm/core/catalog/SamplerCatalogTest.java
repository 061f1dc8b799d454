package dev.dpm.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The catalog against the validators it describes. */
class SamplerCatalogTest {
  private static final ModelContext PLAIN = new ModelContext(NoiseSchedule.linear(1000), 2, DataRange.UNBOUNDED, false, null);
  private static final ModelContext IMAGE = new ModelContext(NoiseSchedule.linear(1000), 16, DataRange.SYMMETRIC_UNIT, true, null);

  private static Set<String> appliesTo(Map<String, SamplerCatalog.Entry> d, String param) {
    return d.values().stream().filter(e -> use(e, param).applies()).map(e -> e.kind().wire())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static SamplerCatalog.Use use(SamplerCatalog.Entry e, String param) {
    return e.parameters().stream().filter(u -> u.name().equals(param)).findFirst().orElseThrow();
  }

  @Test
  void applicabilityIsWhatTheValidatorsAccept() {
    var d = SamplerCatalog.byName(PLAIN);
    assertEquals(Set.of("ddim", "analytic-ddim", "sn-ddim", "npr-ddim"), appliesTo(d, "eta"));
    assertEquals(SamplerKind.values().length, appliesTo(d, "guidance").size());
    assertFalse(d.get("sn-ddpm").available());
    assertTrue(SamplerCatalog.unavailable(SamplerKind.NPR_DDIM, PLAIN).contains("epsc head"));
    assertTrue(SamplerCatalog.byName(PLAIN.withHeads(Set.of(dev.dpm.core.model.SecondHead.EPS2))).get("sn-ddim")
        .available());
    assertEquals(Set.of("ddpm"), appliesTo(d, "variance"));
    assertEquals(Set.of("ode-rk45"), appliesTo(d, "rtol"));
    assertEquals(Set.of("sde-pc"), appliesTo(d, "snr"));
    assertEquals(Set.of("unipc"), appliesTo(d, "order"));
    assertEquals(Set.of("edm-heun"), appliesTo(d, "s-churn"));
    assertEquals(Set.of("ddpm", "analytic-ddpm", "ddim", "analytic-ddim", "sn-ddpm", "npr-ddpm", "sn-ddim", "npr-ddim"),
        appliesTo(d, "trajectory"));
    assertFalse(appliesTo(d, "grid").contains("edm-heun"));
    assertFalse(appliesTo(d, "grid").contains("ode-rk45"));
    assertFalse(use(d.get("ode-rk45"), "steps").applies());
    assertEquals(SamplerKind.values().length - 1, appliesTo(d, "steps").size());
  }

  @Test
  void requiredDefaultsAndRangesFollowTheModel() {
    var plain = SamplerCatalog.byName(PLAIN);
    var image = SamplerCatalog.byName(IMAGE);
    SamplerCatalog.Use steps = use(plain.get("ddim"), "steps");
    assertTrue(steps.required());
    assertNull(steps.defaultValue());
    assertEquals(2.0, steps.min());
    assertEquals(1000.0, steps.max());
    assertEquals(100_000.0, use(plain.get("ode-euler"), "steps").max());
    assertEquals(0.0, use(plain.get("ddim"), "eta").defaultValue());
    assertEquals(0, use(plain.get("ddpm"), "clip-sigma2").defaultValue());
    assertEquals(1, use(image.get("ddpm"), "clip-sigma2").defaultValue());
    assertEquals("posterior", use(plain.get("ddpm"), "variance").defaultValue());
    assertEquals(1e-5, use(plain.get("ode-rk45"), "rtol").defaultValue());
    assertEquals("karras", use(plain.get("edm-heun"), "sigmas").defaultValue());
    assertEquals(2, use(plain.get("unipc"), "order").defaultValue());
    assertFalse(use(plain.get("ddpm"), "eta").required());
    assertFalse(plain.get("analytic-ddpm").available());
    assertTrue(plain.get("ddpm").available());
    assertTrue(SamplerCatalog.byName(PLAIN.withGamma(new double[1001])).get("analytic-ddim").available());
  }

  @Test
  void everySettingsFieldIsInTheCatalogAndEveryEntryHasHelp() {
    SamplerSettings all = SamplerSettings.builder(SamplerKind.DDPM).build();
    for (SamplerParameter p : SamplerCatalog.parameters()) {
      all = SamplerCatalog.with(all, p.name(), p.name().equals("timesteps") ? new int[] {1, 2} : p.probe());
      assertFalse(p.help().isBlank(), p.name());
    }
    List<String> keys = new ArrayList<>(all.toMap().keySet());
    keys.remove("name");
    assertEquals(keys, SamplerCatalog.parameters().stream().map(SamplerParameter::name).toList());
    for (SamplerKind k : SamplerKind.values()) {
      assertFalse(SamplerCatalog.summary(k).isBlank(), k.wire());
    }
  }

  /** Each stated bound: at it accepted (unless exclusive), just past it refused, on every sampler it applies to. */
  @Test
  void statedRangesAreEnforced() {
    var d = SamplerCatalog.describe(PLAIN.withGamma(ones()));
    int checked = 0;
    for (SamplerCatalog.Entry e : d) {
      for (SamplerParameter p : SamplerCatalog.parameters()) {
        SamplerCatalog.Use u = use(e, p.name());
        if (!u.applies() || !(p.type().equals("integer") || p.type().equals("number"))) {
          continue;
        }
        double delta = p.type().equals("integer") ? 1 : Math.max(1e-14, 0.01 * Math.abs(u.min() == null ? 1 : u.min()));
        if (u.min() != null) {
          assertEquals(!p.minExclusive(), accepted(e.kind(), p, u.min()), e.kind().wire() + " " + p.name() + " = min");
          assertFalse(accepted(e.kind(), p, u.min() - delta), e.kind().wire() + " " + p.name() + " below min");
          checked++;
        }
        if (u.max() != null) {
          assertTrue(accepted(e.kind(), p, u.max()), e.kind().wire() + " " + p.name() + " = max");
          assertFalse(accepted(e.kind(), p, u.max() + (p.type().equals("integer") ? 1 : 0.01)), e.kind().wire() + " " + p.name() + " above max");
          checked++;
        }
      }
    }
    assertTrue(checked > 30, "checked " + checked);
  }

  private static boolean accepted(SamplerKind kind, SamplerParameter p, double v) {
    SamplerSettings s = SamplerSettings.builder(kind).optSteps(kind == SamplerKind.ODE_RK45 ? null : 10).build();
    Object value = p.type().equals("integer") ? (Object) (int) v : (Object) v;
    s = SamplerCatalog.with(s, p.name(), value);
    SamplerResult r = Samplers.create(s, PLAIN.withGamma(ones()));
    return !(r instanceof SamplerResult.Invalid bad) || bad.problems().stream().noneMatch(x -> x.field().equals(p.name()));
  }

  private static double[] ones() {
    double[] g = new double[1001];
    java.util.Arrays.fill(g, 1.0);
    return g;
  }
}
