package dev.dpm.runtime.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0; see numpy/lib/format.py).
 *
 * <p>Layout: the magic {@code \x93NUMPY}, major and minor version bytes, the header length
 * (uint16 LE in v1, uint32 LE in v2/v3), an ASCII (v3: UTF-8) Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (64, 1, 28, 28), }} padded with spaces
 * and a newline so that the data start at a multiple of 64, then the raw elements.
 *
 * <p>Reading accepts the dtypes {@code f4, f8, u1, i4, i8} in either byte order, and Fortran order (transposed to C order on reading); a gzip-compressed file is read too.
 * Writing produces C-order little-endian v1.0 files (v2.0 when the header needs it).
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern DESCR_ANY = Pattern.compile("'descr'\\s*:");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * Whether the first bytes of a file are the {@code .npy} magic.
   *
   * @param head at least the first 6 bytes
   * @return true for {@code \x93NUMPY}
   */
  public static boolean hasMagic(byte[] head) {
    if (head.length < MAGIC.length) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (head[i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads a {@code .npy} file (plain or gzip-compressed).
   *
   * @param file the file
   * @return the array in C order
   * @throws IOException naming the file and the problem (not a .npy file, unsupported version or
   *     dtype, malformed header, truncated data)
   */
  public static NumericArray read(Path file) throws IOException {
    try (InputStream in = Binary.open(file)) {
      return read(in);
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads one array from a stream positioned at the magic. Bytes after the array are not read.
   *
   * @param in the stream
   * @return the array in C order
   * @throws IOException if the stream is not a valid .npy array of a supported dtype
   */
  public static NumericArray read(InputStream in) throws IOException {
    byte[] pre = new byte[8];
    Binary.readFully(in, pre, 0, 8, "npy preamble");
    if (!hasMagic(pre)) {
      throw new IOException("not a .npy file (no \\x93NUMPY magic)");
    }
    int major = pre[6] & 0xFF;
    int headerLen;
    if (major == 1) {
      byte[] l = new byte[2];
      Binary.readFully(in, l, 0, 2, "npy header length");
      headerLen = (l[0] & 0xFF) | (l[1] & 0xFF) << 8;
    } else if (major == 2 || major == 3) {
      byte[] l = new byte[4];
      Binary.readFully(in, l, 0, 4, "npy header length");
      long len = (l[0] & 0xFFL) | (l[1] & 0xFFL) << 8 | (l[2] & 0xFFL) << 16 | (l[3] & 0xFFL) << 24;
      if (len > 1 << 24) {
        throw new IOException("implausible npy header length " + len);
      }
      headerLen = (int) len;
    } else {
      throw new IOException("unsupported .npy format version " + major + "." + (pre[7] & 0xFF));
    }
    byte[] hb = new byte[headerLen];
    Binary.readFully(in, hb, 0, headerLen, "npy header");
    String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Header h = parseHeader(header);
    Object data = Binary.readElements(in, h.dtype, h.count, h.order, "npy data");
    NumericArray a = wrap(h.dtype, data, h.shape);
    return h.fortran && h.shape.length > 1 ? fortranToC(a) : a;
  }

  private record Header(DType dtype, ByteOrder order, boolean fortran, int[] shape, int count) {}

  private static Header parseHeader(String header) throws IOException {
    Matcher dm = DESCR.matcher(header);
    if (!dm.find()) {
      if (DESCR_ANY.matcher(header).find()) {
        throw new IOException("unsupported dtype (structured or object arrays): header " + header.trim());
      }
      throw new IOException("malformed npy header, no 'descr': " + header.trim());
    }
    String descr = dm.group(1);
    Matcher fm = FORTRAN.matcher(header);
    Matcher sm = SHAPE.matcher(header);
    if (!fm.find() || !sm.find()) {
      throw new IOException("malformed npy header (needs 'fortran_order' and 'shape'): " + header.trim());
    }
    ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    String code = descr;
    if (!descr.isEmpty() && "<>|=".indexOf(descr.charAt(0)) >= 0) {
      if (descr.charAt(0) == '>') {
        order = ByteOrder.BIG_ENDIAN;
      } else if (descr.charAt(0) == '=') {
        order = ByteOrder.nativeOrder();
      }
      code = descr.substring(1);
    }
    DType dtype = switch (code) {
      case "u1", "B" -> DType.UINT8;
      case "i4" -> DType.INT32;
      case "i8" -> DType.INT64;
      case "f4" -> DType.FLOAT32;
      case "f8" -> DType.FLOAT64;
      default -> throw new IOException("unsupported dtype '" + descr
          + "' (supported: <f4, <f8, |u1, <i4, <i8, either byte order)");
    };
    String[] parts = sm.group(1).split(",");
    int rank = 0;
    int[] tmp = new int[parts.length];
    for (String p : parts) {
      String s = p.trim();
      if (s.isEmpty()) {
        continue;
      }
      if (s.endsWith("L")) {
        s = s.substring(0, s.length() - 1); // Python 2 longs
      }
      long v;
      try {
        v = Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new IOException("malformed shape (" + sm.group(1) + ") in npy header");
      }
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new IOException("bad dimension " + v + " in npy shape (" + sm.group(1) + ")");
      }
      tmp[rank++] = (int) v;
    }
    int[] shape = java.util.Arrays.copyOf(tmp, rank);
    long count = NumericArray.elementCount(shape);
    if (count > Integer.MAX_VALUE - 8) {
      throw new IOException("array of " + count + " elements is too large to read");
    }
    return new Header(dtype, order, "True".equals(fm.group(1)), shape, (int) count);
  }

  static NumericArray wrap(DType dtype, Object data, int[] shape) {
    return switch (dtype) {
      case UINT8 -> NumericArray.ofUint8((byte[]) data, shape);
      case INT32 -> NumericArray.ofInt32((int[]) data, shape);
      case INT64 -> NumericArray.ofInt64((long[]) data, shape);
      case FLOAT32 -> NumericArray.ofFloat32((float[]) data, shape);
      case FLOAT64 -> NumericArray.ofFloat64((double[]) data, shape);
    };
  }

  /** Reorders a column-major array into row-major order (same shape). */
  private static NumericArray fortranToC(NumericArray f) {
    int[] shape = f.shape();
    int rank = shape.length;
    int n = f.size();
    int[] fStride = new int[rank]; // column-major strides
    int s = 1;
    for (int k = 0; k < rank; k++) {
      fStride[k] = s;
      s *= shape[k];
    }
    Object src = f.data();
    Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), n);
    int[] idx = new int[rank];
    int off = 0; // column-major offset of idx
    for (int c = 0; c < n; c++) {
      System.arraycopy(src, off, dst, c, 1);
      for (int k = rank - 1; k >= 0; k--) { // increment the C-order multi-index
        idx[k]++;
        off += fStride[k];
        if (idx[k] < shape[k]) {
          break;
        }
        off -= idx[k] * fStride[k];
        idx[k] = 0;
      }
    }
    return wrap(f.dtype(), dst, shape);
  }

  /**
   * Writes float32 data, C order, as a {@code .npy} file (atomically: a temporary file in the same
   * folder is moved into place).
   *
   * @param file destination
   * @param data elements, row-major, length = product(shape)
   * @param shape the array shape, e.g. [n, 1, 28, 28]
   * @throws IOException if the file cannot be written
   */
  public static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
    write(file, NumericArray.ofFloat32(data, shape));
  }

  /**
   * Writes an array as a {@code .npy} file, atomically.
   *
   * @param file destination
   * @param array the array
   * @throws IOException if the file cannot be written
   */
  public static void write(Path file, NumericArray array) throws IOException {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = TempFiles.beside(abs, ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        write(out, array);
      }
      Binary.moveIntoPlace(tmp, abs);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Writes an array in {@code .npy} format (little-endian, C order; version 1.0 unless the header
   * exceeds 65535 bytes).
   *
   * @param out the stream (not closed)
   * @param array the array
   * @throws IOException on write failure
   */
  public static void write(OutputStream out, NumericArray array) throws IOException {
    out.write(header(array.dtype(), array.shape()));
    Binary.writeElements(out, array);
    out.flush();
  }

  /**
   * The header bytes (magic to the newline) of a C-order little-endian array.
   *
   * @param dtype element type
   * @param shape shape
   * @return the header; its length is a multiple of 64
   */
  static byte[] header(DType dtype, int[] shape) {
    StringBuilder sb = new StringBuilder("{'descr': '").append(dtype.descr())
        .append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    if (shape.length == 1) {
      sb.append(','); // Python's one-element tuple: (5,)
    }
    sb.append("), }");
    int major = sb.length() + 1 + 10 > 65535 ? 2 : 1;
    int pre = major == 1 ? 10 : 12;
    int total = pre + sb.length() + 1;
    int pad = (64 - total % 64) % 64;
    sb.append(" ".repeat(pad)).append('\n');
    byte[] dict = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] r = new byte[pre + dict.length];
    System.arraycopy(MAGIC, 0, r, 0, MAGIC.length);
    r[6] = (byte) major;
    r[7] = 0;
    int len = dict.length;
    r[8] = (byte) len;
    r[9] = (byte) (len >>> 8);
    if (major == 2) {
      r[10] = (byte) (len >>> 16);
      r[11] = (byte) (len >>> 24);
    }
    System.arraycopy(dict, 0, r, pre, dict.length);
    return r;
  }
}
