package dev.dpm.runtime.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * MNIST-format IDX files (LeCun et al.; also Fashion-MNIST's {@code train-images-idx3-ubyte.gz}),
 * plain or gzip-compressed (detected by content, not by name).
 *
 * <p>Layout: two zero bytes, a type byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
 * 0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, one big-endian int32 per
 * dimension, then the elements big-endian in C order. Images are [n, rows, cols]; labels [n].
 */
public final class Idx {
  private Idx() {}

  /**
   * Whether the first bytes look like an IDX header (two zero bytes, a known type, 1..8 dims).
   *
   * @param head at least the first 4 bytes
   * @return true for a plausible IDX magic
   */
  public static boolean hasMagic(byte[] head) {
    if (head.length < 4 || head[0] != 0 || head[1] != 0) {
      return false;
    }
    int type = head[2] & 0xFF;
    boolean known = type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D
        || type == 0x0E;
    return known && head[3] >= 1 && head[3] <= 8;
  }

  /**
   * Reads an IDX file. Unsigned bytes stay {@link DType#UINT8}; signed bytes and int16 widen to
   * int32; int32, float32 and float64 keep their types.
   *
   * @param file the file (plain or .gz)
   * @return the array
   * @throws IOException naming the file and the problem (bad magic, unknown type, truncated or
   *     overlong data)
   */
  public static NumericArray read(Path file) throws IOException {
    try (InputStream in = Binary.open(file)) {
      NumericArray a = read(in);
      if (in.read() >= 0) {
        throw new IOException("unexpected bytes after the IDX data (not an IDX file, or a wrong shape)");
      }
      return a;
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads one IDX array from a stream positioned at its magic.
   *
   * @param in the stream
   * @return the array
   * @throws IOException if the stream is not a valid IDX array
   */
  public static NumericArray read(InputStream in) throws IOException {
    byte[] magic = new byte[4];
    Binary.readFully(in, magic, 0, 4, "IDX magic");
    if (magic[0] != 0 || magic[1] != 0) {
      throw new IOException("not an IDX file (magic must start with two zero bytes)");
    }
    int type = magic[2] & 0xFF;
    int rank = magic[3] & 0xFF;
    if (rank < 1 || rank > 8) {
      throw new IOException("not an IDX file (" + rank + " dimensions)");
    }
    byte[] dims = new byte[4 * rank];
    Binary.readFully(in, dims, 0, dims.length, "IDX dimensions");
    int[] shape = new int[rank];
    for (int k = 0; k < rank; k++) {
      int v = (dims[4 * k] & 0xFF) << 24 | (dims[4 * k + 1] & 0xFF) << 16
          | (dims[4 * k + 2] & 0xFF) << 8 | (dims[4 * k + 3] & 0xFF);
      if (v < 0) {
        throw new IOException("bad IDX dimension " + (v & 0xFFFFFFFFL));
      }
      shape[k] = v;
    }
    long count = NumericArray.elementCount(shape);
    if (count > Integer.MAX_VALUE - 8) {
      throw new IOException("IDX array of " + count + " elements is too large to read");
    }
    int n = (int) count;
    switch (type) {
      case 0x08:
        return NumericArray.ofUint8(
            (byte[]) Binary.readElements(in, DType.UINT8, n, ByteOrder.BIG_ENDIAN, "IDX data"), shape);
      case 0x09: {
        byte[] b = (byte[]) Binary.readElements(in, DType.UINT8, n, ByteOrder.BIG_ENDIAN, "IDX data");
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
          r[i] = b[i]; // signed
        }
        return NumericArray.ofInt32(r, shape);
      }
      case 0x0B: {
        byte[] b = new byte[2 * n];
        Binary.readFully(in, b, 0, b.length, "IDX data");
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
          r[i] = (short) ((b[2 * i] & 0xFF) << 8 | (b[2 * i + 1] & 0xFF));
        }
        return NumericArray.ofInt32(r, shape);
      }
      case 0x0C:
        return NumericArray.ofInt32(
            (int[]) Binary.readElements(in, DType.INT32, n, ByteOrder.BIG_ENDIAN, "IDX data"), shape);
      case 0x0D:
        return NumericArray.ofFloat32(
            (float[]) Binary.readElements(in, DType.FLOAT32, n, ByteOrder.BIG_ENDIAN, "IDX data"), shape);
      case 0x0E:
        return NumericArray.ofFloat64(
            (double[]) Binary.readElements(in, DType.FLOAT64, n, ByteOrder.BIG_ENDIAN, "IDX data"), shape);
      default:
        throw new IOException(String.format("unknown IDX element type 0x%02X", type));
    }
  }
}
