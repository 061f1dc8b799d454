package dev.dpm.runtime.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/** Stream helpers shared by the readers and writers of this package. */
final class Binary {
  private static final int CHUNK = 1 << 16;

  private Binary() {}

  /**
   * Opens a file for reading, transparently decompressing gzip (detected by its magic bytes
   * 1F 8B, not by the file name).
   */
  static InputStream open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), CHUNK);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1F && b1 == 0x8B) {
      return new BufferedInputStream(new GZIPInputStream(in, CHUNK), CHUNK);
    }
    return in;
  }

  /** Reads exactly {@code len} bytes or throws {@link EOFException} saying how many were found. */
  static void readFully(InputStream in, byte[] buf, int off, int len, String what) throws IOException {
    int got = 0;
    while (got < len) {
      int r = in.read(buf, off + got, len - got);
      if (r < 0) {
        throw new EOFException("truncated " + what + ": expected " + len + " bytes, found " + got);
      }
      got += r;
    }
  }

  /**
   * Reads {@code count} elements of {@code dtype} in the given byte order.
   *
   * @return the array, C order as stored
   */
  static Object readElements(InputStream in, DType dtype, int count, ByteOrder order, String what)
      throws IOException {
    long total = (long) count * dtype.itemSize();
    if (dtype == DType.UINT8) {
      byte[] r = new byte[count];
      readFullyCounting(in, r, 0, count, total, 0, what);
      return r;
    }
    Object out = switch (dtype) {
      case INT32 -> new int[count];
      case INT64 -> new long[count];
      case FLOAT32 -> new float[count];
      default -> new double[count];
    };
    int item = dtype.itemSize();
    byte[] buf = new byte[(CHUNK / item) * item];
    long done = 0; // elements
    while (done < count) {
      int n = (int) Math.min(buf.length / item, count - done);
      readFullyCounting(in, buf, 0, n * item, total, done * item, what);
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, n * item).order(order);
      int at = (int) done;
      switch (dtype) {
        case INT32 -> bb.asIntBuffer().get((int[]) out, at, n);
        case INT64 -> bb.asLongBuffer().get((long[]) out, at, n);
        case FLOAT32 -> bb.asFloatBuffer().get((float[]) out, at, n);
        default -> bb.asDoubleBuffer().get((double[]) out, at, n);
      }
      done += n;
    }
    return out;
  }

  private static void readFullyCounting(
      InputStream in, byte[] buf, int off, int len, long total, long before, String what)
      throws IOException {
    int got = 0;
    while (got < len) {
      int r = in.read(buf, off + got, len - got);
      if (r < 0) {
        throw new EOFException("truncated " + what + ": expected " + total + " bytes of data, found "
            + (before + got));
      }
      got += r;
    }
  }

  /** Writes the elements of an array in little-endian order. */
  static void writeElements(OutputStream out, NumericArray a) throws IOException {
    DType dtype = a.dtype();
    int count = a.size();
    if (dtype == DType.UINT8) {
      out.write(a.uint8(), 0, count);
      return;
    }
    int item = dtype.itemSize();
    byte[] buf = new byte[(CHUNK / item) * item];
    int done = 0;
    while (done < count) {
      int n = Math.min(buf.length / item, count - done);
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, n * item).order(ByteOrder.LITTLE_ENDIAN);
      switch (dtype) {
        case INT32 -> bb.asIntBuffer().put(a.int32(), done, n);
        case INT64 -> bb.asLongBuffer().put(a.int64(), done, n);
        case FLOAT32 -> bb.asFloatBuffer().put(a.float32(), done, n);
        default -> bb.asDoubleBuffer().put(a.float64(), done, n);
      }
      out.write(buf, 0, n * item);
      done += n;
    }
  }

  /** Moves a finished temporary file into place, atomically where the file system allows. */
  static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
