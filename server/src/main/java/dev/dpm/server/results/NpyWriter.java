package dev.dpm.server.results;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes float32 arrays in NumPy's {@code .npy} format (version 1.0, little endian, C order). */
public final class NpyWriter {
  private NpyWriter() {}

  /**
   * Encodes samples as one array of shape [n, ...sampleShape].
   *
   * @param samples the samples, [n][d]
   * @param sampleShape shape of one sample (product d)
   * @return the file's bytes
   */
  public static byte[] encode(float[][] samples, int[] sampleShape) {
    int[] shape = new int[sampleShape.length + 1];
    shape[0] = samples.length;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    StringBuilder dims = new StringBuilder();
    for (int s : shape) {
      dims.append(s).append(", ");
    }
    String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + dims.substring(0, dims.length() - 2) + ")";
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
    int unpadded = 10 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x93);
    out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
    out.write(1);
    out.write(0);
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    out.write(h.length & 0xFF);
    out.write((h.length >>> 8) & 0xFF);
    out.writeBytes(h);
    int d = samples.length == 0 ? 0 : samples[0].length;
    ByteBuffer buf = ByteBuffer.allocate(samples.length * d * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] s : samples) {
      for (float v : s) {
        buf.putFloat(v);
      }
    }
    out.writeBytes(buf.array());
    return out.toByteArray();
  }
}
