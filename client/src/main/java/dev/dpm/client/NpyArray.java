package dev.dpm.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A float32 array in C order with its shape, read from or written to NumPy's {@code .npy} format
 * (versions 1.0, 2.0, 3.0; see numpy/lib/format.py). The server's sample result has shape
 * {@code [n, ...sampleShape]}; {@link #sample(int)} gives one sample's values.
 *
 * <p>Reading accepts the dtypes {@code f4} and {@code f8} (converted to float) in either byte order,
 * C order only. Writing produces a little-endian {@code <f4} v1.0 file.
 */
public final class NpyArray {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])(f4|f8)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private final float[] data; // [prod(shape)], C order
  private final int[] shape;

  /**
   * @param data the elements in C order (copied)
   * @param shape the shape; its product must be {@code data.length}
   * @throws IllegalArgumentException when they disagree
   */
  public NpyArray(float[] data, int[] shape) {
    this(data.clone(), shape.clone(), true);
  }

  private NpyArray(float[] data, int[] shape, boolean owned) {
    this.data = data;
    this.shape = shape;
    long size = 1;
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      size *= s;
    }
    if (size != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size
          + " elements, data has " + data.length);
    }
  }

  /** @return a copy of the elements, C order */
  public float[] data() {
    return data.clone();
  }

  /** @return a copy of the shape */
  public int[] shape() {
    return shape.clone();
  }

  /** @return the number of elements */
  public int size() {
    return data.length;
  }

  /** @return the size of the first dimension (the number of samples), 1 for a scalar */
  public int count() {
    return shape.length == 0 ? 1 : shape[0];
  }

  /**
   * @param i index along the first dimension
   * @return a copy of that slice's values, C order (one sample)
   */
  public float[] sample(int i) {
    int n = count();
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("sample " + i + " of " + n);
    }
    int per = n == 0 ? 0 : data.length / n;
    return Arrays.copyOfRange(data, i * per, (i + 1) * per);
  }

  /**
   * @param index one index per dimension
   * @return the element
   */
  public float get(int... index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException("need " + shape.length + " indices, got " + index.length);
    }
    int flat = 0;
    for (int d = 0; d < shape.length; d++) {
      if (index[d] < 0 || index[d] >= shape[d]) {
        throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " in shape " + Arrays.toString(shape));
      }
      flat = flat * shape[d] + index[d];
    }
    return data[flat];
  }

  /**
   * Decodes a {@code .npy} file.
   *
   * @param bytes the file's bytes
   * @return the array
   * @throws DpmIoException when the bytes are not a supported {@code .npy}
   */
  public static NpyArray read(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new DpmIoException("not a .npy file (no \\x93NUMPY magic)", null);
    }
    int major = bytes[6];
    int headerLen;
    int start;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(b.getShort(8));
      start = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new DpmIoException(".npy header truncated", null);
      }
      headerLen = b.getInt(8);
      start = 12;
    } else {
      throw new DpmIoException("unsupported .npy version " + major, null);
    }
    if (headerLen < 0 || start + headerLen > bytes.length) {
      throw new DpmIoException(".npy header truncated", null);
    }
    String header = new String(bytes, start, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher descr = DESCR.matcher(header);
    if (!descr.find()) {
      throw new DpmIoException("unsupported .npy dtype (need f4 or f8): " + header.trim(), null);
    }
    Matcher fortran = FORTRAN.matcher(header);
    if (fortran.find() && "True".equals(fortran.group(1))) {
      throw new DpmIoException("Fortran-order .npy is not supported", null);
    }
    Matcher sm = SHAPE.matcher(header);
    if (!sm.find()) {
      throw new DpmIoException(".npy header has no shape: " + header.trim(), null);
    }
    int[] shape = Arrays.stream(sm.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .mapToInt(Integer::parseInt).toArray();
    long count = 1;
    for (int s : shape) {
      count *= s;
    }
    int width = "f8".equals(descr.group(2)) ? 8 : 4;
    int offset = start + headerLen;
    if (count * width > bytes.length - offset) {
      throw new DpmIoException(".npy data truncated: need " + count * width + " bytes, have " + (bytes.length - offset), null);
    }
    ByteBuffer body = ByteBuffer.wrap(bytes, offset, (int) (count * width))
        .order(">".equals(descr.group(1)) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    float[] data = new float[(int) count];
    for (int i = 0; i < data.length; i++) {
      data[i] = width == 8 ? (float) body.getDouble() : body.getFloat();
    }
    return new NpyArray(data, shape, true);
  }

  /**
   * @param in a {@code .npy} stream (read to its end, not closed)
   * @return the array
   * @throws DpmIoException when reading fails or the bytes are not a supported {@code .npy}
   */
  public static NpyArray read(InputStream in) {
    try {
      return read(in.readAllBytes());
    } catch (IOException e) {
      throw new DpmIoException("cannot read .npy: " + e.getMessage(), e);
    }
  }

  /**
   * @param file a {@code .npy} file
   * @return the array
   * @throws DpmIoException when reading fails or the file is not a supported {@code .npy}
   */
  public static NpyArray read(Path file) {
    try {
      return read(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new DpmIoException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** @return this array as a little-endian float32 {@code .npy} v1.0 file */
  public byte[] toNpy() {
    StringBuilder dims = new StringBuilder();
    for (int s : shape) {
      dims.append(s).append(", ");
    }
    if (shape.length > 1) {
      dims.setLength(dims.length() - 2);
    } else if (shape.length == 1) {
      dims.setLength(dims.length() - 1);
    }
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.toString().trim() + "), }";
    int unpadded = 10 + dict.length() + 1;
    int padded = (unpadded + 63) / 64 * 64;
    String header = dict + " ".repeat(padded - unpadded) + "\n";
    ByteBuffer out = ByteBuffer.allocate(10 + header.length() + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    out.put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (float v : data) {
      out.putFloat(v);
    }
    return out.array();
  }

  /**
   * Writes this array as a {@code .npy} file (atomically: a temporary file moved into place).
   *
   * @param file the target
   * @return the target
   * @throws DpmIoException when writing fails
   */
  public Path saveTo(Path file) {
    return ResultFile.writeAtomically(file, toNpy());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NpyArray a && Arrays.equals(shape, a.shape) && Arrays.equals(data, a.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "NpyArray" + Arrays.toString(shape);
  }
}
