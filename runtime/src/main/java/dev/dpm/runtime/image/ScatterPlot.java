package dev.dpm.runtime.image;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * 2-D samples as a scatter plot: a square with the axes through the origin, symmetric limits
 * ±max(1, 1.1·max|coordinate|), one 3×3 dot per finite point. The server's PNG of a 2-D job and
 * {@code ./dpm sample --out x.png} draw the same picture.
 */
public final class ScatterPlot {
  /** Side of the plot in pixels at scale 1. */
  public static final int SIZE = 320;

  private ScatterPlot() {}

  /**
   * @param points row-major [n, 2]
   * @param n number of points
   * @param size side in pixels
   * @return the plot
   */
  public static BufferedImage render(float[] points, int n, int size) {
    double m = 1.0;
    for (int i = 0; i < n; i++) {
      float x = points[2 * i];
      float y = points[2 * i + 1];
      if (Float.isFinite(x) && Float.isFinite(y)) {
        m = Math.max(m, Math.max(Math.abs(x), Math.abs(y)) * 1.1);
      }
    }
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, size, size);
    g.setColor(new Color(0xDD, 0xDD, 0xDD));
    g.drawLine(size / 2, 0, size / 2, size);
    g.drawLine(0, size / 2, size, size / 2);
    g.setColor(new Color(0x1F, 0x4E, 0x99));
    int dot = Math.max(3, size / SIZE * 3);
    for (int i = 0; i < n; i++) {
      int px = (int) Math.round((points[2 * i] / m + 1) / 2 * (size - 1));
      int py = (int) Math.round((1 - (points[2 * i + 1] / m + 1) / 2) * (size - 1));
      g.fillRect(px - dot / 2, py - dot / 2, dot, dot);
    }
    g.dispose();
    return img;
  }
}
