package dev.dpm.bench.quality;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the quality benchmark computes. Build with {@link #builder(Path)}.
 *
 * @param outDir where {@code quality.md}, {@code quality.json} and the PNGs go
 * @param seed seed of every noise draw (sampling uses it for every method: common random numbers)
 * @param images data rows of the likelihood bound
 * @param samples samples per method and K for FD / MMD² (and the size of the real-data floor set)
 * @param nllKs K values of the likelihood table
 * @param sampleKs K values of the sample-quality table (every method)
 * @param baselineK the K of the baseline column (0: none)
 * @param baselines the methods run at {@code baselineK}
 * @param batch rows per network evaluation (also the chunk of the bound, see {@code QualityBenchmark})
 * @param data the test data file (image models; null: exact samples of the reference mixture)
 * @param floorData real images for the FD floor (null: none unless a default exists)
 * @param features the feature network folder for FD (image models)
 * @param mmdWidth RBF kernel width h of MMD² (2-D models)
 * @param bootstrap resamples for the FD standard error
 * @param clipSigma2 the σ₂ clip y of every sampler (null: each sampler's default, 1 for 8-bit images, else 0)
 * @param gridCount images per sample grid
 * @param gridKs K values that get a sample grid (or scatter plot)
 * @param likelihood whether to compute the likelihood table
 * @param sampleQuality whether to compute the sample-quality table
 * @param fresh ignore saved results
 * @param command the command line, for the report
 * @param progress show a progress bar (null: only when stderr is a terminal)
 */
public record QualitySettings(
    Path outDir,
    long seed,
    int images,
    int samples,
    int[] nllKs,
    int[] sampleKs,
    int baselineK,
    List<Method> baselines,
    int batch,
    Path data,
    Path floorData,
    Path features,
    double mmdWidth,
    int bootstrap,
    Integer clipSigma2,
    int gridCount,
    int[] gridKs,
    boolean likelihood,
    boolean sampleQuality,
    boolean fresh,
    String command,
    Boolean progress) {

  /** Validates the settings. */
  public QualitySettings {
    Objects.requireNonNull(outDir, "outDir");
    if (images < 2 || samples < 2) {
      throw new IllegalArgumentException("need at least 2 images and 2 samples");
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1");
    }
    for (int k : concat(nllKs, sampleKs)) {
      if (k < 2) {
        throw new IllegalArgumentException("every K must be >= 2, got " + k);
      }
    }
    if (baselineK < 0 || (baselineK == 1)) {
      throw new IllegalArgumentException("baseline K must be 0 (none) or >= 2");
    }
    if (!(mmdWidth > 0)) {
      throw new IllegalArgumentException("MMD width must be positive");
    }
    if (bootstrap < 2) {
      throw new IllegalArgumentException("bootstrap needs at least 2 resamples");
    }
    nllKs = sortedUnique(nllKs);
    sampleKs = sortedUnique(sampleKs);
    gridKs = sortedUnique(gridKs);
    baselines = List.copyOf(baselines);
  }

  /**
   * @param outDir the output folder
   * @return a builder with the defaults of the issue (K = 10…1000, 250 images, 500 samples)
   */
  public static Builder builder(Path outDir) {
    return new Builder(outDir);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static int[] sortedUnique(int[] v) {
    return Arrays.stream(v).distinct().sorted().toArray();
  }

  /** Builder; every setter is optional. */
  public static final class Builder {
    private final Path outDir;
    private long seed;
    private int images = 250;
    private int samples = 500;
    private int[] nllKs = {10, 25, 50, 100, 200, 1000};
    private int[] sampleKs = {10, 25, 50, 100};
    private int baselineK = 1000;
    private List<Method> baselines = List.of(Method.DDPM_POSTERIOR, Method.DDIM);
    private int batch = 64;
    private Path data;
    private Path floorData;
    private Path features;
    private double mmdWidth = 0.1;
    private int bootstrap = 50;
    private Integer clipSigma2;
    private int gridCount = 64;
    private int[] gridKs = {10, 25};
    private boolean likelihood = true;
    private boolean sampleQuality = true;
    private boolean fresh;
    private String command = "";
    private Boolean progress;

    private Builder(Path outDir) {
      this.outDir = outDir;
    }

    /** @param v seed @return this */
    public Builder seed(long v) { seed = v; return this; }
    /** @param v rows of the bound @return this */
    public Builder images(int v) { images = v; return this; }
    /** @param v samples per cell @return this */
    public Builder samples(int v) { samples = v; return this; }
    /** @param v K values of the bound @return this */
    public Builder nllKs(int... v) { nllKs = v.clone(); return this; }
    /** @param v K values of the sample table @return this */
    public Builder sampleKs(int... v) { sampleKs = v.clone(); return this; }
    /** @param v baseline K (0: none) @return this */
    public Builder baselineK(int v) { baselineK = v; return this; }
    /** @param v baseline methods @return this */
    public Builder baselines(List<Method> v) { baselines = v; return this; }
    /** @param v batch @return this */
    public Builder batch(int v) { batch = v; return this; }
    /** @param v test data file @return this */
    public Builder data(Path v) { data = v; return this; }
    /** @param v floor data file @return this */
    public Builder floorData(Path v) { floorData = v; return this; }
    /** @param v feature network folder @return this */
    public Builder features(Path v) { features = v; return this; }
    /** @param v MMD kernel width @return this */
    public Builder mmdWidth(double v) { mmdWidth = v; return this; }
    /** @param v bootstrap resamples @return this */
    public Builder bootstrap(int v) { bootstrap = v; return this; }
    /** @param v σ₂ clip y (null: sampler default) @return this */
    public Builder clipSigma2(Integer v) { clipSigma2 = v; return this; }
    /** @param v images per grid @return this */
    public Builder gridCount(int v) { gridCount = v; return this; }
    /** @param v K values with grids @return this */
    public Builder gridKs(int... v) { gridKs = v.clone(); return this; }
    /** @param v compute the bound @return this */
    public Builder likelihood(boolean v) { likelihood = v; return this; }
    /** @param v compute sample quality @return this */
    public Builder sampleQuality(boolean v) { sampleQuality = v; return this; }
    /** @param v ignore saved results @return this */
    public Builder fresh(boolean v) { fresh = v; return this; }
    /** @param v command line for the report @return this */
    public Builder command(String v) { command = v; return this; }
    /** @param v progress bar on/off (null: auto) @return this */
    public Builder progress(Boolean v) { progress = v; return this; }

    /** @return the settings */
    public QualitySettings build() {
      return new QualitySettings(outDir, seed, images, samples, nllKs, sampleKs, baselineK, baselines, batch,
          data, floorData, features, mmdWidth, bootstrap, clipSigma2, gridCount, gridKs, likelihood, sampleQuality, fresh,
          command, progress);
    }
  }
}
