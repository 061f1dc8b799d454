package dev.dpm.bench.quality;

import dev.dpm.core.model.DataRange;
import dev.dpm.runtime.image.ImageGrid;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * A PNG grid of image samples, drawn by {@link ImageGrid#render} (the CLI's grid): values in the data range map to 0..255, ⌈√n⌉ columns, 2-pixel
 * gutters; one channel is grey, three are RGB.
 */
public final class SampleGrid {
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
    int d = samples[0].length;
    float[] flat = new float[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(samples[i], 0, flat, i * d, d);
    }
    save(ImageGrid.render(flat, n, shape, range), file);
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
}
