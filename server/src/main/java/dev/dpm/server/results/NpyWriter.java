package dev.dpm.server.results;

import dev.dpm.runtime.io.Npy;
import dev.dpm.runtime.io.NumericArray;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes job results in NumPy's {@code .npy} format through core's {@link Npy} writer, so a job's
 * file has exactly the bytes {@code ./dpm sample} writes for the same samples.
 */
public final class NpyWriter {
  private NpyWriter() {}

  /**
   * Encodes samples as one float32 array of shape [n, ...sampleShape].
   *
   * @param samples the samples, [n][d]
   * @param sampleShape shape of one sample (product d)
   * @return the file's bytes
   */
  public static byte[] encode(float[][] samples, int[] sampleShape) {
    int[] shape = new int[sampleShape.length + 1];
    shape[0] = samples.length;
    System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
    int d = samples.length == 0 ? 0 : samples[0].length;
    float[] flat = new float[samples.length * d];
    for (int i = 0; i < samples.length; i++) {
      System.arraycopy(samples[i], 0, flat, i * d, d);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(flat.length * 4 + 128);
    try {
      Npy.write(out, NumericArray.ofFloat32(flat, shape));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }
}
