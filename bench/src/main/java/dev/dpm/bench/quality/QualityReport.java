package dev.dpm.bench.quality;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** The benchmark's Markdown report ({@code quality.md}), rebuilt from the results after every cell. */
public final class QualityReport {
  /** The key of the paired (Analytic − forward) bound difference in the results. */
  public static final String PAIRED = "paired-analytic-minus-forward";
  private QualityReport() {}

  /**
   * @param s the settings
   * @param m the model
   * @param store the results so far
   * @param features the feature network's description, or null
   * @param units units of the bound (bits/dim or nats/dim)
   * @param metric "FD" or "MMD²"
   * @param seconds elapsed time of this run
   * @param files the files written so far (plots; may be null)
   * @return the Markdown text
   */
  public static String markdown(QualitySettings s, BenchModel m, QualityResults store, String features, String units,
      String metric, double seconds, List<Path> files) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Quality benchmark: `").append(m.name()).append("`\n\n");
    if (!s.command().isEmpty()) {
      sb.append("Command: `").append(s.command()).append("`  \n");
    }
    sb.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ").append(cpuModel())
        .append(", Java ").append(System.getProperty("java.version")).append(", DJL PyTorch engine (libtorch 2.7.1)  \n");
    sb.append("Model: `").append(m.name()).append("`, d = ").append(m.spec().dimension()).append(", N = ")
        .append(m.schedule().steps());
    if (m.sha256() != null) {
      sb.append(", sha256 ").append(m.sha256(), 0, 12).append('…');
    }
    sb.append("; Γ: ").append(m.gamma() == null ? "none (analytic methods and optimal trajectory skipped)"
        : m.gammaSource()).append("  \n");
    sb.append(String.format(Locale.ROOT, "Seed %d; batch %d; this run %.1f min.%n%n", s.seed(), s.batch(),
        seconds / 60));

    if (s.likelihood()) {
      sb.append("## Likelihood: variational bound (").append(units).append(", lower is better)\n\n");
      sb.append("Held-out rows: ").append(s.images()).append(s.data() != null ? " of `" + s.data().getFileName() + "`"
          : " exact samples of `" + m.referenceName() + "`").append(". Decoder: ")
          .append(units.equals("bits/dim") ? "discretised Gaussian (8-bit bins)" : "Gaussian density (continuous data)")
          .append(". ± is one standard error over rows; all methods see the same x_t (paired). ")
          .append("`optimal` is the Analytic-DPM DP trajectory on Γ, used for every method (the paper's DDPM OT row ")
          .append("uses a DP on its own L_vb terms).\n\n");
      int[] ks = s.nllKs();
      sb.append("| trajectory | method |");
      for (int k : ks) {
        sb.append(" K=").append(k).append(" |");
      }
      sb.append("\n|---|---|");
      sb.append("---:|".repeat(ks.length)).append('\n');
      for (String traj : new String[] {"even", "optimal"}) {
        for (Method me : Method.LIKELIHOOD) {
          sb.append("| ").append(traj).append(" | ").append(me.label()).append(" |");
          for (int k : ks) {
            sb.append(' ').append(cell(store.get("nll/" + traj + "/" + me.key() + "/" + k), "%.3f", 1)).append(" |");
          }
          sb.append('\n');
        }
        if (hasAny(store, "nll/" + traj + "/" + PAIRED + "/", ks)) {
          sb.append("| ").append(traj).append(" | Analytic − DDPM σ²=β (paired) |");
          for (int k : ks) {
            sb.append(' ').append(cell(store.get("nll/" + traj + "/" + PAIRED + "/" + k), "%+.3f", 1)).append(" |");
          }
          sb.append('\n');
        }
      }
      for (int k : ks) {
        QualityResults.Cell c = store.get("nll/optimal/" + Method.DDPM_FORWARD.key() + "/" + k);
        if (c != null && !Double.isFinite(c.value()) && c.note() != null) {
          sb.append("\nn/a: ").append(c.note()).append('\n');
          break;
        }
      }
      QualityResults.Cell floor = store.get("nll/floor");
      if (floor != null) {
        sb.append(String.format(Locale.ROOT, "%nExact entropy of the held-out rows (−log p₀(x)/d under `%s`): "
            + "%.4f ± %.4f nats/dim — the bound of a perfect model approaches it as K → N.%n",
            m.referenceName(), floor.value(), floor.stdError()));
      }
      sb.append('\n');
    }

    if (s.sampleQuality()) {
      TreeSet<Integer> kset = new TreeSet<>();
      for (int k : s.sampleKs()) {
        kset.add(k);
      }
      if (s.baselineK() > 0) {
        kset.add(s.baselineK());
      }
      boolean fd = metric.equals("FD");
      double scale = fd ? 1 : 1e3;
      String name = fd ? "FD" : "MMD² ×10³";
      sb.append("## Sample quality: ").append(name).append(" (lower is better)\n\n");
      if (fd) {
        sb.append("FD of ").append(s.samples()).append(" samples per cell vs the statistics of `")
            .append(s.data() == null ? "?" : s.data().getFileName()).append("`, on the features of ")
            .append(features).append(". Samples are rounded to 8-bit levels first. ± is a bootstrap standard error (")
            .append(s.bootstrap()).append(" resamples of the generated set).");
      } else {
        sb.append("MMD² of ").append(s.samples()).append(" samples per cell against the exact `")
            .append(m.referenceName()).append("` mixture (closed-form kernel means, unbiased), RBF kernel width h = ")
            .append(s.mmdWidth()).append(". ± is the first-order standard error.");
      }
      sb.append(" Even trajectory, η = 0 for the DDIM kinds, ")
          .append(s.clipSigma2() == null ? "σ₂ clip at each sampler's default (y = 1 for 8-bit images, off for"
              + " continuous data)" : s.clipSigma2() == 0 ? "no σ₂ clip" : "σ₂ clip y = " + s.clipSigma2()
              + " for every method")
          .append("; every method samples with the same seed. — = not run.\n\n");
      sb.append("| method |");
      for (int k : kset) {
        sb.append(" K=").append(k).append(" |");
      }
      sb.append("\n|---|").append("---:|".repeat(kset.size())).append('\n');
      for (Method me : Method.values()) {
        sb.append("| ").append(me.label()).append(" |");
        for (int k : kset) {
          boolean planned = contains(s.sampleKs(), k) || (k == s.baselineK() && s.baselines().contains(me));
          QualityResults.Cell c = store.get("sample/" + me.key() + "/" + k);
          sb.append(' ').append(planned || c != null ? cell(c, fd ? "%.2f" : "%.3f", scale) : "—").append(" |");
        }
        sb.append('\n');
      }
      QualityResults.Cell floor = store.get("sample/floor");
      if (floor != null) {
        sb.append(String.format(Locale.ROOT, "%nFloor: a real held-out set of the same size (%s) scores "
            + (fd ? "%.2f ± %.2f" : "%.3f ± %.3f") + ".%n", floor.note(), floor.value() * scale,
            floor.stdError() * scale));
      }
      sb.append('\n');
    }
    // plots and sample grids: whatever this run or an earlier one left in the folder
    List<String> names = new java.util.ArrayList<>();
    try (java.util.stream.Stream<Path> st = Files.list(s.outDir())) {
      st.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().forEach(names::add);
    } catch (IOException e) {
      if (files != null) {
        files.forEach(f -> names.add(f.getFileName().toString()));
      }
    }
    for (String n : names) {
      if (n.endsWith("-vs-k.png")) {
        sb.append("![").append(n).append("](").append(n).append(")\n\n");
      }
    }
    StringBuilder grids = new StringBuilder();
    for (String n : names) {
      if (n.startsWith("samples-")) {
        grids.append("[").append(n).append("](").append(n).append(") ");
      }
    }
    if (grids.length() > 0) {
      sb.append("Samples: ").append(grids.toString().trim()).append("\n");
    }
    return sb.toString();
  }

  private static boolean hasAny(QualityResults store, String prefix, int[] ks) {
    for (int k : ks) {
      if (store.has(prefix + k)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(int[] a, int v) {
    for (int x : a) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  private static String cell(QualityResults.Cell c, String fmt, double scale) {
    if (c == null) {
      return "…";
    }
    if (!Double.isFinite(c.value())) {
      return "n/a";
    }
    String v = String.format(Locale.ROOT, fmt, c.value() * scale);
    if (Double.isFinite(c.stdError())) {
      v += " ± " + String.format(Locale.ROOT, fmt.replace("+", ""), c.stdError() * scale);
    }
    return v;
  }

  /** @return the CPU model from /proc/cpuinfo, or the architecture */
  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }
}
