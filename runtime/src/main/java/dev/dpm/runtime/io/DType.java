package dev.dpm.runtime.io;

/**
 * Element types of {@link NumericArray}, named as NumPy names them.
 */
public enum DType {
  /** 8-bit unsigned integer, NumPy {@code |u1}, IDX 0x08. */
  UINT8(1, "|u1"),
  /** 32-bit signed integer, NumPy {@code <i4}, IDX 0x0C. */
  INT32(4, "<i4"),
  /** 64-bit signed integer, NumPy {@code <i8}. */
  INT64(8, "<i8"),
  /** IEEE single precision, NumPy {@code <f4}, IDX 0x0D. */
  FLOAT32(4, "<f4"),
  /** IEEE double precision, NumPy {@code <f8}, IDX 0x0E. */
  FLOAT64(8, "<f8");

  private final int itemSize;
  private final String littleEndianDescr;

  DType(int itemSize, String littleEndianDescr) {
    this.itemSize = itemSize;
    this.littleEndianDescr = littleEndianDescr;
  }

  /** @return bytes per element */
  public int itemSize() {
    return itemSize;
  }

  /** @return the NumPy {@code descr} string written for this type (little-endian) */
  public String descr() {
    return littleEndianDescr;
  }

  /** @return true for the integer types */
  public boolean isInteger() {
    return this == UINT8 || this == INT32 || this == INT64;
  }
}
