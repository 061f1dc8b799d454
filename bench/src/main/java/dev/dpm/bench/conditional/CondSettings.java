package dev.dpm.bench.conditional;

import dev.dpm.bench.quality.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the conditional tables compute. Build with {@link #builder(Path)}.
 *
 * @param outDir where {@code conditional.md}, {@code conditional.json} and the PNGs go
 * @param seed seed of every noise draw (class c's samples use a stream derived from it, the same for every method
 *     and w: common random numbers)
 * @param perClass samples per class and cell (the pooled set is classes × perClass, balanced)
 * @param ks K values of the guided cells
 * @param scales guidance scales w of the sweep
 * @param methods the methods of the guided cells
 * @param unconditional the unconditional (null-label) cells
 * @param unconditionalSamples samples per unconditional cell
 * @param batch samples per network evaluation (a guided sample is two network rows)
 * @param bootstrap resamples of the FD standard error
 * @param clipSigma2 the σ₂ clip of every sampler (null: each sampler's default)
 * @param clippedEps {@code clipped-eps} of the DDIM-type methods (null: the sampler's default, on for w &gt; 1)
 * @param mmdWidth the RBF width of MMD² (2-D models)
 * @param gridPerClass samples per class in the sample grids (0: none)
 * @param gridKs K values with sample grids
 * @param fresh ignore saved results
 * @param command the command line, for the report
 * @param reportOnly sample nothing: rebuild the report and plots from saved cells (and the Γ clip counts)
 */
public record CondSettings(
    Path outDir,
    long seed,
    int perClass,
    int[] ks,
    double[] scales,
    List<Method> methods,
    List<UncondCell> unconditional,
    int unconditionalSamples,
    int batch,
    int bootstrap,
    Integer clipSigma2,
    Boolean clippedEps,
    double mmdWidth,
    int gridPerClass,
    int[] gridKs,
    boolean fresh,
    String command,
    boolean reportOnly) {

  /**
   * One unconditional cell.
   *
   * @param method the method
   * @param k K
   */
  public record UncondCell(Method method, int k) {
    /**
     * @param s {@code method:K}, e.g. {@code ddim:100}
     * @return the cell
     * @throws IllegalArgumentException naming the form
     */
    public static UncondCell parse(String s) {
      int i = s.lastIndexOf(':');
      if (i <= 0) {
        throw new IllegalArgumentException("unconditional cell '" + s + "' is not METHOD:K (e.g. ddim:100)");
      }
      try {
        return new UncondCell(Method.parse(s.substring(0, i).trim()), Integer.parseInt(s.substring(i + 1).trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("unconditional cell '" + s + "': K is not a number", e);
      }
    }
  }

  /** Validates the settings. */
  public CondSettings {
    Objects.requireNonNull(outDir, "outDir");
    if (perClass < 2 || unconditionalSamples < 2) {
      throw new IllegalArgumentException("need at least 2 samples per class and per unconditional cell");
    }
    if (batch < 1 || bootstrap < 2) {
      throw new IllegalArgumentException("batch must be >= 1 and bootstrap >= 2");
    }
    ks = Arrays.stream(ks).distinct().sorted().toArray();
    for (int k : ks) {
      if (k < 2) {
        throw new IllegalArgumentException("every K must be >= 2, got " + k);
      }
    }
    for (UncondCell c : unconditional) {
      if (c.k() < 2) {
        throw new IllegalArgumentException("every K must be >= 2, got " + c.k());
      }
    }
    scales = Arrays.stream(scales).distinct().sorted().toArray();
    for (double w : scales) {
      if (!(w >= 0) || !Double.isFinite(w)) {
        throw new IllegalArgumentException("guidance must be finite and >= 0, got " + w);
      }
    }
    if (!(mmdWidth > 0) || gridPerClass < 0) {
      throw new IllegalArgumentException("MMD width must be positive and grid count >= 0");
    }
    methods = List.copyOf(methods);
    unconditional = List.copyOf(unconditional);
    gridKs = Arrays.stream(gridKs).distinct().sorted().toArray();
  }

  /**
   * @param outDir the output folder
   * @return a builder with the defaults: 50 per class, K ∈ {10, 25}, w ∈ {1, 2, 3}, four methods; unconditional
   *     rows every method at K = 25 and ddim, analytic-ddim at K = 100, 500 samples
   */
  public static Builder builder(Path outDir) {
    return new Builder(outDir);
  }

  /** @return the default unconditional cells */
  public static List<UncondCell> defaultUnconditional() {
    return List.of(new UncondCell(Method.DDPM_POSTERIOR, 25), new UncondCell(Method.ANALYTIC_DDPM, 25),
        new UncondCell(Method.DDIM, 25), new UncondCell(Method.ANALYTIC_DDIM, 25), new UncondCell(Method.DDIM, 100),
        new UncondCell(Method.ANALYTIC_DDIM, 100));
  }

  /** Builder; every setter is optional. */
  public static final class Builder {
    private final Path outDir;
    private long seed;
    private int perClass = 50;
    private int[] ks = {10, 25};
    private double[] scales = {1, 2, 3};
    private List<Method> methods = List.of(Method.DDPM_POSTERIOR, Method.ANALYTIC_DDPM, Method.DDIM,
        Method.ANALYTIC_DDIM);
    private List<UncondCell> unconditional = defaultUnconditional();
    private int unconditionalSamples = 500;
    private int batch = 64;
    private int bootstrap = 50;
    private Integer clipSigma2;
    private Boolean clippedEps;
    private double mmdWidth = 0.1;
    private int gridPerClass = 10;
    private int[] gridKs = {25};
    private boolean fresh;
    private String command = "";
    private boolean reportOnly;

    private Builder(Path outDir) {
      this.outDir = outDir;
    }

    /** @param v seed @return this */
    public Builder seed(long v) { seed = v; return this; }
    /** @param v samples per class @return this */
    public Builder perClass(int v) { perClass = v; return this; }
    /** @param v K values @return this */
    public Builder ks(int... v) { ks = v.clone(); return this; }
    /** @param v guidance scales @return this */
    public Builder scales(double... v) { scales = v.clone(); return this; }
    /** @param v methods @return this */
    public Builder methods(List<Method> v) { methods = v; return this; }
    /** @param v unconditional cells @return this */
    public Builder unconditional(List<UncondCell> v) { unconditional = v; return this; }
    /** @param v samples per unconditional cell @return this */
    public Builder unconditionalSamples(int v) { unconditionalSamples = v; return this; }
    /** @param v batch @return this */
    public Builder batch(int v) { batch = v; return this; }
    /** @param v bootstrap resamples @return this */
    public Builder bootstrap(int v) { bootstrap = v; return this; }
    /** @param v σ₂ clip (null: default) @return this */
    public Builder clipSigma2(Integer v) { clipSigma2 = v; return this; }
    /** @param v clipped-eps of the DDIM types (null: default) @return this */
    public Builder clippedEps(Boolean v) { clippedEps = v; return this; }
    /** @param v MMD width @return this */
    public Builder mmdWidth(double v) { mmdWidth = v; return this; }
    /** @param v samples per class in grids @return this */
    public Builder gridPerClass(int v) { gridPerClass = v; return this; }
    /** @param v K values with grids @return this */
    public Builder gridKs(int... v) { gridKs = v.clone(); return this; }
    /** @param v ignore saved results @return this */
    public Builder fresh(boolean v) { fresh = v; return this; }
    /** @param v command line @return this */
    public Builder command(String v) { command = v; return this; }

    /** @param v sample nothing, only rebuild the report @return this */
    public Builder reportOnly(boolean v) { reportOnly = v; return this; }

    /** @return the settings */
    public CondSettings build() {
      return new CondSettings(outDir, seed, perClass, ks, scales, methods, unconditional, unconditionalSamples, batch,
          bootstrap, clipSigma2, clippedEps, mmdWidth, gridPerClass, gridKs, fresh, command, reportOnly);
    }
  }
}
