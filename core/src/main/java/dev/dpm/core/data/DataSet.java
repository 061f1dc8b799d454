package dev.dpm.core.data;

import dev.dpm.core.model.DataRange;
import java.util.Arrays;
import java.util.Objects;

/**
 * Rows of data x₀ in a model's coordinates: {@code count} samples of dimension d (the product of
 * the sample shape), stored compactly. Eight-bit data keep their raw levels u ∈ {0..255} (the
 * bound's discretised decoder needs the exact bin centres) and map to x = a + (b − a)·u/255 for a
 * data range [a, b]; other data are float32 values already in the model's coordinates.
 *
 * <p>Immutable; rows are copied out.
 */
public final class DataSet {
  private final String source;
  private final String format;
  private final int[] sampleShape;
  private final int count;
  private final int dimension;
  private final DataRange range;
  private final byte[] levels; // [count, d] raw 8-bit levels, or null
  private final float[] values; // [count, d] float data, or null when levels != null
  private final float[] levelValue; // [256] float32 of a + (b−a)·u/255, or null

  private DataSet(String source, String format, int[] sampleShape, int count, DataRange range,
      byte[] levels, float[] values) {
    this.source = Objects.requireNonNull(source);
    this.format = Objects.requireNonNull(format);
    this.sampleShape = sampleShape.clone();
    this.dimension = Arrays.stream(sampleShape).reduce(1, (p, q) -> p * q);
    this.count = count;
    this.range = Objects.requireNonNull(range);
    this.levels = levels;
    this.values = values;
    if (count <= 0) {
      throw new IllegalArgumentException("a data set needs at least one row");
    }
    long need = (long) count * dimension;
    if ((levels != null ? levels.length : values.length) < need) {
      throw new IllegalArgumentException("data hold fewer than " + count + " rows of " + dimension);
    }
    if (levels != null) {
      if (!range.bounded()) {
        throw new IllegalArgumentException("8-bit data need a bounded data range");
      }
      levelValue = new float[256];
      for (int u = 0; u < 256; u++) {
        levelValue[u] = (float) levelToValue(u);
      }
    } else {
      levelValue = null;
    }
  }

  /**
   * Eight-bit data.
   *
   * @param levels raw levels, [count, d] row-major (read as unsigned); not copied
   * @param count number of rows
   * @param sampleShape shape of one row
   * @param range the bounded range [a, b] that levels 0 and 255 map to
   * @param source where the data came from (for messages and provenance)
   * @return the data set
   */
  public static DataSet ofLevels(byte[] levels, int count, int[] sampleShape, DataRange range,
      String source) {
    return new DataSet(source, "uint8", sampleShape, count, range, levels, null);
  }

  /**
   * Float data in model coordinates.
   *
   * @param values [count, d] row-major; not copied
   * @param count number of rows
   * @param sampleShape shape of one row
   * @param range the model's data range (recorded, not checked here)
   * @param source where the data came from
   * @return the data set
   */
  public static DataSet ofValues(float[] values, int count, int[] sampleShape, DataRange range,
      String source) {
    return new DataSet(source, "float32", sampleShape, count, range, null, values);
  }

  /**
   * Float data from rows.
   *
   * @param rows [count][d]
   * @param sampleShape shape of one row (product = d)
   * @param range the model's data range
   * @param source where the data came from
   * @return the data set
   */
  public static DataSet ofRows(float[][] rows, int[] sampleShape, DataRange range, String source) {
    int d = Arrays.stream(sampleShape).reduce(1, (p, q) -> p * q);
    float[] v = new float[rows.length * d];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != d) {
        throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + d);
      }
      System.arraycopy(rows[i], 0, v, i * d, d);
    }
    return ofValues(v, rows.length, sampleShape, range, source);
  }

  /**
   * @param fmt the file format the data came from (for provenance)
   * @return this data set, labelled with its format
   */
  public DataSet withFormat(String fmt) {
    return new DataSet(source, fmt, sampleShape, count, range, levels, values);
  }

  /** @return where the data came from (usually the file name) */
  public String source() {
    return source;
  }

  /** @return how the data were stored, e.g. {@code IDX uint8 [60000, 28, 28]} */
  public String format() {
    return format;
  }

  /** @return e.g. {@code train-images-idx3-ubyte.gz (IDX uint8 [60000, 28, 28]), 1000 rows} */
  public String describe() {
    return source + " (" + format + "), " + count + " rows";
  }

  /** @return the number of rows */
  public int size() {
    return count;
  }

  /** @return d, values per row */
  public int dimension() {
    return dimension;
  }

  /** @return a copy of the shape of one row */
  public int[] sampleShape() {
    return sampleShape.clone();
  }

  /** @return the data range the values are in */
  public DataRange range() {
    return range;
  }

  /** @return true when the data are 8-bit levels (exact bin centres available) */
  public boolean eightBit() {
    return levels != null;
  }

  /**
   * @param i row
   * @param j coordinate
   * @return the raw level u ∈ 0..255 of an 8-bit data set
   * @throws IllegalStateException for float data
   */
  public int level(int i, int j) {
    if (levels == null) {
      throw new IllegalStateException("data from " + source + " are not 8-bit");
    }
    return levels[i * dimension + j] & 0xFF;
  }

  /**
   * @param u a level 0..255
   * @return a + (b − a)·u/255 in double precision
   */
  public double levelToValue(int u) {
    return range.low() + (range.high() - range.low()) * u / 255.0;
  }

  /**
   * @param i row
   * @param j coordinate
   * @return x₀[i][j] in double precision (exact bin centre for 8-bit data)
   */
  public double value(int i, int j) {
    return levels != null ? levelToValue(levels[i * dimension + j] & 0xFF) : values[i * dimension + j];
  }

  /**
   * Copies row i as float32 into {@code dst[off .. off+d)}.
   *
   * @param i row
   * @param dst destination
   * @param off offset in dst
   */
  public void copyRow(int i, float[] dst, int off) {
    int base = i * dimension;
    if (levels != null) {
      for (int j = 0; j < dimension; j++) {
        dst[off + j] = levelValue[levels[base + j] & 0xFF];
      }
    } else {
      System.arraycopy(values, base, dst, off, dimension);
    }
  }

  /**
   * @param i row
   * @return row i as float32, [d]
   */
  public float[] row(int i) {
    float[] r = new float[dimension];
    copyRow(i, r, 0);
    return r;
  }

  /** @return every row as float32, [count][d] */
  public float[][] rows() {
    float[][] r = new float[count][];
    for (int i = 0; i < count; i++) {
      r[i] = row(i);
    }
    return r;
  }

  /** @return every row as float32, flat [count·d] */
  public float[] flat() {
    float[] r = new float[count * dimension];
    for (int i = 0; i < count; i++) {
      copyRow(i, r, i * dimension);
    }
    return r;
  }

  /**
   * The first rows.
   *
   * @param n how many (clamped to [1, size()])
   * @return a data set sharing this one's storage
   */
  public DataSet head(int n) {
    int m = Math.max(1, Math.min(n, count));
    return m == count ? this : new DataSet(source, format, sampleShape, m, range, levels, values);
  }

  @Override
  public String toString() {
    return "DataSet[" + describe() + "]";
  }
}
