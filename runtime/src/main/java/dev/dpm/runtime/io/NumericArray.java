package dev.dpm.runtime.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, C-order (row-major) array read from or written to a file: an element type, a shape and
 * one primitive Java array holding the elements. It is the common currency of {@link Npy} and
 * {@link Idx}; it has no arithmetic.
 *
 * <p>The backing array is not copied on construction or by the typed accessors (the data sets are
 * large); callers must not modify what they pass in or get out.
 */
public final class NumericArray {
  private final DType dtype;
  private final int[] shape;
  private final Object data; // byte[] | int[] | long[] | float[] | double[], length = product(shape)

  private NumericArray(DType dtype, int[] shape, Object data, int length) {
    this.dtype = dtype;
    this.shape = shape.clone();
    this.data = data;
    long size = elementCount(this.shape);
    if (size != length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size
          + " elements but the data has " + length);
    }
  }

  /**
   * @param data elements, C order
   * @param shape the shape (product = data.length)
   * @return a uint8 array (Java bytes are read as unsigned 0..255)
   */
  public static NumericArray ofUint8(byte[] data, int... shape) {
    return new NumericArray(DType.UINT8, shape, Objects.requireNonNull(data), data.length);
  }

  /**
   * @param data elements, C order
   * @param shape the shape
   * @return an int32 array
   */
  public static NumericArray ofInt32(int[] data, int... shape) {
    return new NumericArray(DType.INT32, shape, Objects.requireNonNull(data), data.length);
  }

  /**
   * @param data elements, C order
   * @param shape the shape
   * @return an int64 array
   */
  public static NumericArray ofInt64(long[] data, int... shape) {
    return new NumericArray(DType.INT64, shape, Objects.requireNonNull(data), data.length);
  }

  /**
   * @param data elements, C order
   * @param shape the shape
   * @return a float32 array
   */
  public static NumericArray ofFloat32(float[] data, int... shape) {
    return new NumericArray(DType.FLOAT32, shape, Objects.requireNonNull(data), data.length);
  }

  /**
   * @param data elements, C order
   * @param shape the shape
   * @return a float64 array
   */
  public static NumericArray ofFloat64(double[] data, int... shape) {
    return new NumericArray(DType.FLOAT64, shape, Objects.requireNonNull(data), data.length);
  }

  /**
   * The number of elements of a shape.
   *
   * @param shape the shape (empty = a scalar)
   * @return the product, or −1 when a dimension is negative
   */
  static long elementCount(int[] shape) {
    long n = 1;
    for (int s : shape) {
      if (s < 0) {
        return -1;
      }
      n *= s;
      if (n > Integer.MAX_VALUE) {
        return n;
      }
    }
    return n;
  }

  /** @return the element type */
  public DType dtype() {
    return dtype;
  }

  /** @return a copy of the shape */
  public int[] shape() {
    return shape.clone();
  }

  /** @return the number of dimensions */
  public int rank() {
    return shape.length;
  }

  /**
   * @param axis 0-based axis
   * @return the extent of that axis
   */
  public int dim(int axis) {
    return shape[axis];
  }

  /** @return the number of elements */
  public int size() {
    return (int) elementCount(shape);
  }

  /**
   * @param i flat C-order index
   * @return element i as a double (uint8 as 0..255)
   */
  public double get(int i) {
    switch (dtype) {
      case UINT8:
        return ((byte[]) data)[i] & 0xFF;
      case INT32:
        return ((int[]) data)[i];
      case INT64:
        return ((long[]) data)[i];
      case FLOAT32:
        return ((float[]) data)[i];
      default:
        return ((double[]) data)[i];
    }
  }

  /** @return the backing bytes of a uint8 array (not copied) */
  public byte[] uint8() {
    return typed(DType.UINT8, byte[].class);
  }

  /** @return the backing ints of an int32 array (not copied) */
  public int[] int32() {
    return typed(DType.INT32, int[].class);
  }

  /** @return the backing longs of an int64 array (not copied) */
  public long[] int64() {
    return typed(DType.INT64, long[].class);
  }

  /** @return the backing floats of a float32 array (not copied) */
  public float[] float32() {
    return typed(DType.FLOAT32, float[].class);
  }

  /** @return the backing doubles of a float64 array (not copied) */
  public double[] float64() {
    return typed(DType.FLOAT64, double[].class);
  }

  /** @return every element converted to float32, a fresh array */
  public float[] toFloat32() {
    int n = size();
    float[] r = new float[n];
    if (dtype == DType.FLOAT32) {
      System.arraycopy(data, 0, r, 0, n);
      return r;
    }
    for (int i = 0; i < n; i++) {
      r[i] = (float) get(i);
    }
    return r;
  }

  /** Raw access for the writers of this package. */
  Object data() {
    return data;
  }

  private <T> T typed(DType want, Class<T> cls) {
    if (dtype != want) {
      throw new IllegalStateException("array is " + dtype + ", not " + want);
    }
    return cls.cast(data);
  }

  @Override
  public String toString() {
    return "NumericArray[" + dtype + " " + Arrays.toString(shape) + "]";
  }
}
