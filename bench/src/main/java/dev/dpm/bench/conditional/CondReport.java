package dev.dpm.bench.conditional;

import dev.dpm.bench.quality.BenchModel;
import dev.dpm.bench.quality.Method;
import dev.dpm.bench.quality.QualityResults;
import dev.dpm.core.moments.GuidedGamma;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The conditional tables' Markdown report ({@code conditional.md}), rebuilt from the results after every cell. */
final class CondReport {
  /** The targets (issue 13, item 4). */
  static final double TARGET_FD = 30.0;
  static final double TARGET_ACCURACY = 0.95;
  static final double TARGET_W = 3.0;
  static final int TARGET_K = 25;

  private CondReport() {}

  static String markdown(CondSettings s, BenchModel m, GuidedGamma grid, CondKeys keys, QualityResults store,
      int classes, List<String> names, String metric, String judge, String probe, double seconds, List<Path> files) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Conditional sample quality: `").append(m.name()).append("`\n\n");
    if (!s.command().isEmpty()) {
      sb.append("Command: `").append(s.command()).append("`  \n");
    }
    sb.append("Model: `").append(m.name()).append("`, ").append(classes).append(" classes");
    if (m.sha256() != null) {
      sb.append(", sha256 ").append(m.sha256(), 0, 12).append('…');
    }
    sb.append("; Γ: ").append(m.gamma() == null ? "none" : m.gammaSource()).append("; guided Γ: ")
        .append(grid == null ? "none (analytic guided cells skipped, except w = 1 on the model's Γ)"
            : "w ∈ " + Arrays.toString(grid.scales()) + (grid.pooled() ? ", pooled over labels" : ", per label")
            + " (" + grid.provenance().data() + ")").append("  \n");
    sb.append(metric).append(" against ").append(judge).append("; class accuracy by ").append(probe).append("  \n");
    sb.append(String.format(Locale.ROOT, "Seed %d (class c's samples: the same noise for every method and w); "
        + "%d samples per class and guided cell (%d pooled); %d per unconditional cell; batch %d; "
        + "± is one standard error (bootstrap of %d for FD, binomial for accuracy); this run %.1f min.%n%n",
        s.seed(), s.perClass(), s.perClass() * classes, s.unconditionalSamples(), s.batch(), s.bootstrap(),
        seconds / 60));

    sb.append("## Unconditional (null label)\n\n| method | K | ").append(metric)
        .append(" | samples | seconds | network rows | steps with Γ ≥ 1 |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (CondSettings.UncondCell u : s.unconditional()) {
      String key = keys.unconditional(u.method(), u.k());
      QualityResults.Cell c = key == null ? null : store.get(key);
      sb.append("| ").append(u.method().label()).append(" | ").append(u.k()).append(" | ")
          .append(key == null ? "no Γ" : c == null ? "—" : pm(c)).append(" | ")
          .append(c == null ? "" : c.n()).append(" | ")
          .append(c == null ? "" : String.format(Locale.ROOT, "%.0f", c.seconds())).append(" | ")
          .append(c == null ? "" : c.evaluations()).append(" | ");
      QualityResults.Cell cl = key == null ? null : store.get(key + "/clipped");
      sb.append(cl == null ? "" : String.format(Locale.ROOT, "%.0f of %d", cl.value(), cl.n())).append(" |\n");
    }
    sb.append('\n');

    sb.append("## Guidance sweep (pooled over classes)\n\nEach cell: pooled ").append(metric)
        .append(" · class accuracy · lowest per-class accuracy. w = 1 is the plain conditional model. ")
        .append(s.clippedEps() == null ? "DDIM-type cells use `clipped-eps` (ε re-derived from the clamped x̂₀) where"
            + " w > 1, the samplers' default." : "DDIM-type cells: `clipped-eps` " + s.clippedEps() + " at every w.")
        .append("\n\n");
    for (int k : s.ks()) {
      sb.append("**K = ").append(k).append("**\n\n| method |");
      for (double w : s.scales()) {
        sb.append(" w = ").append(CondKeys.fmt(w)).append(" |");
      }
      sb.append("\n|---|").append("---:|".repeat(s.scales().length)).append('\n');
      for (Method me : s.methods()) {
        sb.append("| ").append(me.label()).append(" |");
        for (double w : s.scales()) {
          String p = keys.guided(me, w, k);
          QualityResults.Cell fd = p == null ? null : store.get(p + "/fd");
          QualityResults.Cell acc = p == null ? null : store.get(p + "/acc");
          if (p == null) {
            sb.append(" no guided Γ |");
          } else if (fd == null) {
            sb.append(" — |");
          } else {
            sb.append(' ').append(pm(fd)).append(" · ").append(pct(acc)).append(" · min ")
                .append(pct(minClass(store, p, classes))).append(" |");
          }
        }
        sb.append('\n');
      }
      sb.append('\n');
    }

    pairs(sb, s, keys, store, metric);
    for (double w : s.scales()) {
      perClass(sb, s, keys, store, classes, names, metric, w, s.ks()[s.ks().length - 1]);
    }
    targets(sb, s, keys, store, classes, metric);

    sb.append("## Notes\n\n- Per-class ").append(metric).append(" is over ").append(s.perClass())
        .append(" samples per class: FD at small n is biased upwards (about by tr Σ/n), so compare it across methods")
        .append(" and w at the same n, not with the pooled value or with other papers.\n")
        .append("- Analytic methods under guidance use Γ of the guided predictor ε̃_w. Where Γ_t ≥ 1, the")
        .append(" Analytic-DPM estimate of Cov[x₀ | x_t] is ≤ 0 and the Theorem-2 clip sets σ² to its lower bound")
        .append(" λ² (β̃ for analytic-ddpm, 0 for analytic-ddim): on such steps the analytic sampler is ddpm / ddim.\n\n");
    if (files != null && !files.isEmpty()) {
      sb.append("## Files\n\n");
      for (Path f : files) {
        sb.append("- `").append(f.getFileName()).append("`\n");
      }
    }
    return sb.toString();
  }

  private static void pairs(StringBuilder sb, CondSettings s, CondKeys keys, QualityResults store, String metric) {
    Method[][] pairs = {{Method.ANALYTIC_DDPM, Method.DDPM_POSTERIOR}, {Method.ANALYTIC_DDIM, Method.DDIM}};
    sb.append("## Analytic vs plain under guidance (same w, K and noise)\n\nΔ = analytic − plain; ± combines both")
        .append(" standard errors as if independent (the shared noise makes the true error smaller).\n\n")
        .append("\"clipped\": noisy steps where the guided Γ_t ≥ 1, so that the analytic σ² is the plain one (λ²).\n\n")
        .append("| w | K | Δ ").append(metric).append(" analytic-ddpm − ddpm | Δ accuracy | clipped | Δ ").append(metric)
        .append(" analytic-ddim − ddim | Δ accuracy | clipped |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (double w : s.scales()) {
      for (int k : s.ks()) {
        sb.append("| ").append(CondKeys.fmt(w)).append(" | ").append(k).append(" |");
        for (Method[] p : pairs) {
          String a = keys.guided(p[0], w, k);
          String b = keys.guided(p[1], w, k);
          QualityResults.Cell cl = a == null ? null : store.get(a + "/clipped");
          sb.append(' ').append(diff(store, a, b, "/fd", 1)).append(" | ").append(diff(store, a, b, "/acc", 100))
              .append(" | ").append(cl == null ? "—" : String.format(Locale.ROOT, "%.3g of %d", cl.value(), cl.n()))
              .append(" |");
        }
        sb.append('\n');
      }
    }
    sb.append('\n');
  }

  private static void perClass(StringBuilder sb, CondSettings s, CondKeys keys, QualityResults store, int classes,
      List<String> names, String metric, double w, int k) {
    sb.append("## Per class, w = ").append(CondKeys.fmt(w)).append(", K = ").append(k).append("\n\nEach cell: ")
        .append(metric).append(" against the class · class accuracy.\n\n| class |");
    for (Method me : s.methods()) {
      sb.append(' ').append(me.label()).append(" |");
    }
    sb.append("\n|---|").append("---:|".repeat(s.methods().size())).append('\n');
    for (int c = 0; c < classes; c++) {
      sb.append("| ").append(c).append(' ').append(names.get(c)).append(" |");
      for (Method me : s.methods()) {
        String p = keys.guided(me, w, k);
        QualityResults.Cell fd = p == null ? null : store.get(p + "/fd/" + c);
        QualityResults.Cell acc = p == null ? null : store.get(p + "/acc/" + c);
        sb.append(fd == null ? " — |" : " " + num(fd.value()) + " · " + pct(acc) + " |");
      }
      sb.append('\n');
    }
    sb.append('\n');
  }

  private static void targets(StringBuilder sb, CondSettings s, CondKeys keys, QualityResults store, int classes,
      String metric) {
    sb.append("## Against the issue's targets (issue 13, item 4)\n\n");
    QualityResults.Cell best = null;
    String bestName = null;
    for (CondSettings.UncondCell u : s.unconditional()) {
      String key = keys.unconditional(u.method(), u.k());
      QualityResults.Cell c = key == null ? null : store.get(key);
      if (u.k() == TARGET_K && c != null && (best == null || c.value() < best.value())) {
        best = c;
        bestName = u.method().label();
      }
    }
    sb.append("- Best unconditional ").append(metric).append(" at K = ").append(TARGET_K).append(" ≤ ")
        .append(num(TARGET_FD)).append(": ").append(best == null ? "not measured" : pm(best) + " (" + bestName + "), "
            + (best.value() <= TARGET_FD ? "**met**" : "**not met**")).append('\n');
    for (Method me : new Method[] {Method.DDIM, Method.ANALYTIC_DDIM}) {
      String a = keys.unconditional(me, TARGET_K);
      String b = keys.unconditional(me, 100);
      QualityResults.Cell ca = a == null ? null : store.get(a);
      QualityResults.Cell cb = b == null ? null : store.get(b);
      if (ca != null && cb != null) {
        double rise = cb.value() - ca.value();
        double se = Math.hypot(ca.stdError(), cb.stdError());
        sb.append("- ").append(me.label()).append(" does not rise from K = ").append(TARGET_K).append(" to K = 100: ")
            .append(pm(ca)).append(" → ").append(pm(cb)).append(", change ").append(num(rise)).append(" ± ")
            .append(num(se)).append(", ").append(rise <= se ? "**met**" : "**not met**").append('\n');
      }
    }
    for (Method me : s.methods()) {
      String p = keys.guided(me, TARGET_W, TARGET_K);
      QualityResults.Cell lo = p == null ? null : minClass(store, p, classes);
      if (lo != null) {
        sb.append("- Every class ≥ 95 % at w = 3, K = 25, ").append(me.label()).append(": lowest ").append(pct(lo))
            .append(" (").append(s.perClass()).append(" per class), ")
            .append(lo.value() >= TARGET_ACCURACY ? "**met**" : "**not met**").append('\n');
      }
    }
    sb.append('\n');
  }

  static QualityResults.Cell minClass(QualityResults store, String prefix, int classes) {
    QualityResults.Cell lo = null;
    for (int c = 0; c < classes; c++) {
      QualityResults.Cell a = store.get(prefix + "/acc/" + c);
      if (a != null && (lo == null || a.value() < lo.value())) {
        lo = a;
      }
    }
    return lo;
  }

  private static String diff(QualityResults store, String a, String b, String suffix, double scale) {
    QualityResults.Cell ca = a == null ? null : store.get(a + suffix);
    QualityResults.Cell cb = b == null ? null : store.get(b + suffix);
    if (ca == null || cb == null) {
      return "—";
    }
    return num(scale * (ca.value() - cb.value())) + " ± " + num(scale * Math.hypot(ca.stdError(), cb.stdError()))
        + (scale == 100 ? " pp" : "");
  }

  private static String pm(QualityResults.Cell c) {
    return num(c.value()) + " ± " + num(c.stdError());
  }

  private static String pct(QualityResults.Cell c) {
    return c == null ? "—" : String.format(Locale.ROOT, "%.1f %%", 100 * c.value());
  }

  static String num(double v) {
    if (!Double.isFinite(v)) {
      return "n/a";
    }
    double a = Math.abs(v);
    return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.3g", v)
        : a < 1 ? String.format(Locale.ROOT, "%.4f", v) : a < 100 ? String.format(Locale.ROOT, "%.2f", v)
            : String.format(Locale.ROOT, "%.1f", v);
  }
}
