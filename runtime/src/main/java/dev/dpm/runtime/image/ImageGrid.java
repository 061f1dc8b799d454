package dev.dpm.runtime.image;

import dev.dpm.core.model.DataRange;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes image samples as one PNG grid (javax.imageio): values in the data range [a, b] map to
 * 0..255, ⌈√n⌉ columns, 2-pixel black gutters. One channel gives grey, three give RGB.
 */
public final class ImageGrid {
  private static final int GUTTER = 2;

  private ImageGrid() {}

  /**
   * @param file destination (.png); written to a temporary name first, then moved
   * @param samples row-major [n, c, h, w]
   * @param n number of images
   * @param shape [c, h, w] with c = 1 or 3
   * @param range the data range mapped to 0..255
   * @throws IOException if the file cannot be written
   * @throws IllegalArgumentException for a shape that is not an image
   */
  public static void write(Path file, float[] samples, int n, int[] shape, DataRange range) throws IOException {
    write(file, samples, n, shape, range, 1);
  }

  /**
   * @param file destination (.png); written to a temporary name first, then moved
   * @param samples row-major [n, c, h, w]
   * @param n number of images
   * @param shape [c, h, w] with c = 1 or 3
   * @param range the data range mapped to 0..255
   * @param scale each pixel becomes scale × scale pixels (nearest neighbour), ≥ 1
   * @throws IOException if the file cannot be written
   * @throws IllegalArgumentException for a shape that is not an image or a scale below 1
   */
  public static void write(Path file, float[] samples, int n, int[] shape, DataRange range, int scale)
      throws IOException {
    writePng(file, scale(render(samples, n, shape, range), scale));
  }

  /**
   * Writes an image as PNG through a temporary file in the same folder (mode as ordinary files).
   *
   * @param file destination
   * @param img the image
   * @throws IOException if it cannot be written
   */
  public static void writePng(Path file, BufferedImage img) throws IOException {
    Path abs = file.toAbsolutePath();
    Path tmp = dev.dpm.runtime.io.TempFiles.beside(abs, ".tmp");
    try {
      if (!ImageIO.write(img, "png", tmp.toFile())) {
        throw new IOException("no PNG writer available");
      }
      Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Enlarges an image by an integer factor, nearest neighbour (pixels stay sharp).
   *
   * @param img the image
   * @param scale the factor, ≥ 1
   * @return the image itself for 1, else a new one scale times as wide and high
   */
  public static BufferedImage scale(BufferedImage img, int scale) {
    if (scale < 1) {
      throw new IllegalArgumentException("scale must be at least 1, got " + scale);
    }
    if (scale == 1) {
      return img;
    }
    BufferedImage out = new BufferedImage(img.getWidth() * scale, img.getHeight() * scale, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < out.getHeight(); y++) {
      for (int x = 0; x < out.getWidth(); x++) {
        out.setRGB(x, y, img.getRGB(x / scale, y / scale));
      }
    }
    return out;
  }

  /**
   * @param samples row-major [n, c, h, w]
   * @param n number of images
   * @param shape [c, h, w], c = 1 or 3
   * @param range data range mapped to 0..255
   * @return the grid image
   */
  public static BufferedImage render(float[] samples, int n, int[] shape, DataRange range) {
    return render(samples, n, shape, range, GUTTER);
  }

  /**
   * @param samples row-major [n, c, h, w]
   * @param n number of images
   * @param shape [c, h, w], c = 1 or 3
   * @param range data range mapped to 0..255
   * @param gutter black pixels around and between the images
   * @return the grid image
   */
  public static BufferedImage render(float[] samples, int n, int[] shape, DataRange range, int gutter) {
    if (shape.length != 3 || (shape[0] != 1 && shape[0] != 3)) {
      throw new IllegalArgumentException("a PNG grid needs samples of shape [1|3, H, W]");
    }
    int c = shape[0];
    int h = shape[1];
    int w = shape[2];
    int cols = (int) Math.ceil(Math.sqrt(n));
    int rows = (n + cols - 1) / cols;
    BufferedImage img = new BufferedImage(gutter + cols * (w + gutter), gutter + rows * (h + gutter),
        BufferedImage.TYPE_INT_RGB);
    double lo = range.bounded() ? range.low() : -1.0;
    double hi = range.bounded() ? range.high() : 1.0;
    int d = c * h * w;
    for (int i = 0; i < n; i++) {
      int x0 = gutter + (i % cols) * (w + gutter);
      int y0 = gutter + (i / cols) * (h + gutter);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int p = i * d + y * w + x;
          int r = level(samples[p], lo, hi);
          int g = c == 3 ? level(samples[p + h * w], lo, hi) : r;
          int b = c == 3 ? level(samples[p + 2 * h * w], lo, hi) : r;
          img.setRGB(x0 + x, y0 + y, (r << 16) | (g << 8) | b);
        }
      }
    }
    return img;
  }

  /**
   * [a, b] → 0..255, rounded and clamped.
   *
   * @param v the value
   * @param lo a
   * @param hi b
   * @return the grey level
   */
  public static int level(float v, double lo, double hi) {
    long u = Math.round((v - lo) / (hi - lo) * 255.0);
    return (int) Math.max(0, Math.min(255, u));
  }
}
