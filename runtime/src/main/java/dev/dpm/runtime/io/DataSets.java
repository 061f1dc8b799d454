package dev.dpm.runtime.io;

import dev.dpm.core.data.DataSet;
import dev.dpm.core.model.DataRange;
import dev.dpm.runtime.model.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Loads the {@code --data} of the command line and the server: a {@code .npy} file (uint8, or float
 * already in the model's data range; integer arrays with values 0..255 count as 8-bit) or an
 * MNIST-format IDX file, either possibly gzip-compressed. The format is recognised from the file's
 * first bytes, not its name, so Debian's {@code train-images-idx3-ubyte.gz} works as it is.
 *
 * <p>The array's shape must be [n, …] where the trailing axes equal the model's sample shape once
 * axes of extent 1 are dropped: [n, 28, 28] and [n, 28, 28, 1] both fit a [1, 28, 28] model, but
 * [n, 32, 32, 3] does not fit [3, 32, 32] (that would silently mix channels).
 *
 * <p>Every problem ends in an {@link IOException} whose message names the file and the problem.
 */
public final class DataSets {
  /** Slack allowed beyond [a, b] for float data, relative to b − a (float32 rounding). */
  public static final double RANGE_TOLERANCE = 1e-5;

  private DataSets() {}

  /**
   * Loads all rows for a model.
   *
   * @param file the data file
   * @param model the model whose sample shape and data range the data must fit
   * @return the rows
   * @throws IOException naming the file and the problem
   */
  public static DataSet load(Path file, ModelSpec model) throws IOException {
    return load(file, model.sampleShape(), model.dataRange(), 0);
  }

  /**
   * Loads the first {@code limit} rows for a model.
   *
   * @param file the data file
   * @param model the model
   * @param limit maximum rows (≤ 0: all)
   * @return the rows
   * @throws IOException naming the file and the problem
   */
  public static DataSet load(Path file, ModelSpec model, int limit) throws IOException {
    return load(file, model.sampleShape(), model.dataRange(), limit);
  }

  /**
   * Loads rows.
   *
   * @param file a .npy or IDX file, plain or gzip
   * @param sampleShape the model's shape of one sample
   * @param range the model's data range: 8-bit levels map to a + (b − a)·u/255; float data must lie
   *     within it when it is bounded
   * @param limit maximum rows (≤ 0: all)
   * @return the rows
   * @throws IOException naming the file and the problem
   */
  public static DataSet load(Path file, int[] sampleShape, DataRange range, int limit)
      throws IOException {
    if (!Files.exists(file)) {
      throw new IOException(file + ": no such data file");
    }
    if (Files.isDirectory(file)) {
      throw new IOException(file + ": is a directory, not a data file");
    }
    if (!Files.isReadable(file)) {
      throw new IOException(file + ": data file is not readable");
    }
    Detected d = detect(file);
    NumericArray a = d.array();
    String kind = d.kind();
    String name = file.getFileName().toString();
    try {
      return fromArray(a, sampleShape, range, limit, name)
          .withFormat(kind + " " + a.dtype().name().toLowerCase() + " " + Arrays.toString(a.shape()));
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Turns an array into rows for a model (the checks of {@link #load(Path, int[], DataRange, int)}).
   *
   * @param a the array, [n, …]
   * @param sampleShape the model's sample shape
   * @param range the model's data range
   * @param limit maximum rows (≤ 0: all)
   * @param source name for messages
   * @return the rows
   * @throws IOException describing the problem (without the file name)
   */
  public static DataSet fromArray(
      NumericArray a, int[] sampleShape, DataRange range, int limit, String source)
      throws IOException {
    int[] shape = a.shape();
    int[] expected = new int[sampleShape.length + 1];
    expected[0] = -1;
    System.arraycopy(sampleShape, 0, expected, 1, sampleShape.length);
    String want = Arrays.toString(expected).replace("-1", "n");
    if (shape.length < 1
        || !Arrays.equals(squeeze(Arrays.copyOfRange(shape, 1, shape.length)), squeeze(sampleShape))) {
      throw new IOException("data shape " + Arrays.toString(shape)
          + " does not match the model's sample shape " + Arrays.toString(sampleShape)
          + "; expected " + want);
    }
    int total = shape[0];
    if (total == 0) {
      throw new IOException("the data contain no samples (shape " + Arrays.toString(shape) + ")");
    }
    int n = limit > 0 ? Math.min(limit, total) : total;
    int d = Arrays.stream(sampleShape).reduce(1, (p, q) -> p * q);
    int len = n * d;
    switch (a.dtype()) {
      case UINT8: {
        requireBounded(range, "8-bit (uint8)");
        byte[] lv = a.uint8();
        return DataSet.ofLevels(len == lv.length ? lv : Arrays.copyOf(lv, len), n, sampleShape, range,
            source);
      }
      case INT32:
      case INT64: {
        requireBounded(range, "integer");
        byte[] lv = new byte[len];
        for (int i = 0; i < len; i++) {
          double v = a.get(i);
          if (v < 0 || v > 255) {
            throw new IOException("integer data must be 8-bit levels 0..255, found " + (long) v
                + " at row " + i / d + " (a labels file?)");
          }
          lv[i] = (byte) v;
        }
        return DataSet.ofLevels(lv, n, sampleShape, range, source);
      }
      default: {
        float[] v = new float[len];
        double tol = range.bounded() ? RANGE_TOLERANCE * (range.high() - range.low()) : 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
          double x = a.get(i);
          if (!Double.isFinite(x)) {
            throw new IOException("non-finite value " + x + " at row " + i / d);
          }
          max = Math.max(max, x);
          if (range.bounded() && (x < range.low() - tol || x > range.high() + tol)) {
            String hint = "";
            for (int k = i; k < len && hint.isEmpty(); k++) {
              if (a.get(k) > 2.0) {
                hint = " (pixel values 0..255 stored as floats? store them as uint8, or scale to the range)";
              }
            }
            throw new IOException("value " + x + " at row " + i / d + " lies outside the model's data range ["
                + fmt(range.low()) + ", " + fmt(range.high()) + "]" + hint);
          }
          v[i] = (float) (range.bounded() ? range.clamp(x) : x);
        }
        return DataSet.ofValues(v, n, sampleShape, range, source);
      }
    }
  }

  private static void requireBounded(DataRange range, String what) throws IOException {
    if (!range.bounded()) {
      throw new IOException(what + " data need a model with a bounded data range, but this model's"
          + " data are unbounded; supply float data instead");
    }
  }

  private static int[] squeeze(int[] shape) {
    return Arrays.stream(shape).filter(s -> s != 1).toArray();
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  /**
   * Reads a .npy or IDX file (either plain or gzip-compressed), detected by content, e.g. a labels file such as
   * Fashion-MNIST's {@code train-labels-idx1-ubyte.gz}.
   *
   * @param file the file
   * @return its array
   * @throws IOException naming the file when it is neither, or unreadable
   */
  public static NumericArray readArray(Path file) throws IOException {
    return detect(file).array();
  }

  private record Detected(NumericArray array, String kind) {}

  private static Detected detect(Path file) throws IOException {
    byte[] head = new byte[8];
    int got;
    try (InputStream in = Binary.open(file)) {
      got = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new IOException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    if (got >= 6 && Npy.hasMagic(head)) {
      return new Detected(Npy.read(file), "npy");
    } else if (got >= 4 && Idx.hasMagic(head)) {
      return new Detected(Idx.read(file), "IDX");
    }
    throw new IOException(file + ": not a .npy or IDX file (unrecognised first bytes"
        + (got == 0 ? ", file is empty" : "") + ")");
  }
}
