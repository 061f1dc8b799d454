package dev.dpm.server.bench.quality;

import dev.dpm.core.model.DataRange;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * A PNG grid of image samples: values in the data range map to 0..255, ⌈√n⌉ columns, 2-pixel
 * gutters; one channel is grey, three are RGB.
 */
public final class SampleGrid {
  private static final int GUTTER = 2;

  private SampleGrid() {}

  /**
   * @param file destination PNG (written to a temporary name, then moved)
   * @param samples samples, [n][c·h·w]
   * @param n how many to draw (the first n)
   * @param shape [c, h, w], c = 1 or 3
   * @param range the data range
   * @throws IOException if the file cannot be written
   */
  public static void write(Path file, float[][] samples, int n, int[] shape, DataRange range) throws IOException {
    if (shape.length != 3 || (shape[0] != 1 && shape[0] != 3)) {
      throw new IllegalArgumentException("a sample grid needs samples of shape [1|3, H, W]");
    }
    int c = shape[0];
    int h = shape[1];
    int w = shape[2];
    int cols = (int) Math.ceil(Math.sqrt(n));
    int rows = (n + cols - 1) / cols;
    BufferedImage img = new BufferedImage(GUTTER + cols * (w + GUTTER), GUTTER + rows * (h + GUTTER),
        BufferedImage.TYPE_INT_RGB);
    double lo = range.bounded() ? range.low() : -1;
    double hi = range.bounded() ? range.high() : 1;
    for (int i = 0; i < n; i++) {
      int x0 = GUTTER + (i % cols) * (w + GUTTER);
      int y0 = GUTTER + (i / cols) * (h + GUTTER);
      float[] s = samples[i];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int p = y * w + x;
          int r = level(s[p], lo, hi);
          int g = c == 3 ? level(s[p + h * w], lo, hi) : r;
          int b = c == 3 ? level(s[p + 2 * h * w], lo, hi) : r;
          img.setRGB(x0 + x, y0 + y, (r << 16) | (g << 8) | b);
        }
      }
    }
    save(img, file);
  }

  /**
   * Writes an image as PNG atomically.
   *
   * @param img the image
   * @param file the destination
   * @throws IOException if it cannot be written
   */
  static void save(BufferedImage img, Path file) throws IOException {
    Path abs = file.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
    try {
      if (!ImageIO.write(img, "png", tmp.toFile())) {
        throw new IOException("no PNG writer available");
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static int level(float v, double lo, double hi) {
    long u = Math.round((v - lo) / (hi - lo) * 255.0);
    return (int) Math.max(0, Math.min(255, u));
  }
}
