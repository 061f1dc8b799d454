package dev.dpm.server.results;

import dev.dpm.core.model.DataRange;
import dev.dpm.runtime.image.ImageGrid;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Turns samples into PNGs: image models ([C, H, W] with C = 1 or 3 and a bounded data range) as a
 * grid or one image; 2-D models as a scatter plot.
 */
public final class ImageRenderer {
  private static final int PAD = 2;
  private static final int PLOT = 320;

  private final int[] shape;
  private final DataRange range;

  /**
   * @param shape sample shape
   * @param range data range
   */
  public ImageRenderer(int[] shape, DataRange range) {
    this.shape = shape.clone();
    this.range = range;
  }

  /**
   * @param shape sample shape
   * @param range data range
   * @return true if PNGs can be drawn for such a model
   */
  public static boolean supports(int[] shape, DataRange range) {
    return isImage(shape, range) || isPoints(shape);
  }

  /**
   * @param shape sample shape
   * @param range data range
   * @return true for [C, H, W] images with C ∈ {1, 3} and a bounded range
   */
  public static boolean isImage(int[] shape, DataRange range) {
    return shape.length == 3 && (shape[0] == 1 || shape[0] == 3) && range.bounded();
  }

  /**
   * @param shape sample shape
   * @return true for 2-D points
   */
  public static boolean isPoints(int[] shape) {
    return shape.length == 1 && shape[0] == 2;
  }

  /** @return true when per-sample images exist */
  public boolean perSample() {
    return isImage(shape, range);
  }

  /**
   * A grid of all samples (images) or a scatter plot (points).
   *
   * @param samples [n][d]
   * @return PNG bytes
   */
  public byte[] grid(float[][] samples) {
    return png(isPoints(shape) ? scatter(samples) : tile(samples));
  }

  /**
   * @param sample one image sample, [d]
   * @return PNG bytes
   */
  public byte[] single(float[] sample) {
    return png(tile(new float[][] {sample}));
  }

  /** The samples as one grid ({@link ImageGrid}; a single sample without a gutter). */
  private BufferedImage tile(float[][] samples) {
    int n = samples.length;
    int d = shape[0] * shape[1] * shape[2];
    float[] flat = new float[n * d]; // [n, c, h, w]
    for (int i = 0; i < n; i++) {
      System.arraycopy(samples[i], 0, flat, i * d, d);
    }
    return ImageGrid.render(flat, n, shape, range, n == 1 ? 0 : PAD);
  }

  private static BufferedImage scatter(float[][] points) {
    float[] flat = new float[points.length * 2];
    for (int i = 0; i < points.length; i++) {
      flat[2 * i] = points[i][0];
      flat[2 * i + 1] = points[i][1];
    }
    return dev.dpm.runtime.image.ScatterPlot.render(flat, points.length, PLOT);
  }

  private static byte[] png(BufferedImage img) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      // in memory: ImageIO's default file cache registers a JVM shutdown hook per stream, which throws
      // "Shutdown in progress" for a job that finishes during a SIGTERM's grace period
      try (var ios = new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
        if (!ImageIO.write(img, "png", ios)) {
          throw new IOException("no PNG writer");
        }
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
