package dev.dpm.runtime.io;

import dev.dpm.core.data.DataSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.core.model.DataRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetsTest {
  @TempDir Path dir;
  private static final int[] IMAGE = {1, 2, 2};

  private IOException fails(Path p, int[] shape, DataRange range) {
    return assertThrows(IOException.class, () -> DataSets.load(p, shape, range, 0));
  }

  @Test
  void eightBitIdxMapsLevelsLinearlyToTheRangeAndKeepsThem() throws IOException {
    Path img = IdxTest.gz(dir.resolve("imgs.gz"), IdxTest.idx(0x08, new int[] {3, 2, 2}, IdxTest.images()));
    DataSet ds = DataSets.load(img, IMAGE, DataRange.SYMMETRIC_UNIT, 0);
    assertEquals(3, ds.size());
    assertEquals(4, ds.dimension());
    assertTrue(ds.eightBit());
    assertEquals(-1.0f, ds.row(0)[0]);
    assertEquals(1.0f, ds.row(0)[1]);
    int u = IdxTest.images()[5] & 0xFF;
    assertEquals(u, ds.level(1, 1));
    assertEquals(-1.0 + 2.0 * u / 255.0, ds.value(1, 1), 1e-15);
    assertEquals((float) (-1.0 + 2.0 * u / 255.0), ds.row(1)[1]);
    assertTrue(ds.format().startsWith("IDX uint8 [3, 2, 2]"), ds.format());

    // a range [0, 1] maps u to u/255; a limit keeps the first rows
    DataSet unit = DataSets.load(img, new int[] {2, 2}, new DataRange(0, 1), 2);
    assertEquals(2, unit.size());
    assertEquals(u / 255.0, unit.value(1, 1), 1e-15);
  }

  @Test
  void npyUint8AndFloatDataLoad() throws IOException {
    Path u8 = dir.resolve("u8.npy");
    Npy.write(u8, NumericArray.ofUint8(IdxTest.images(), 3, 1, 2, 2));
    DataSet ds = DataSets.load(u8, IMAGE, DataRange.SYMMETRIC_UNIT, 0);
    assertTrue(ds.eightBit());
    assertEquals(255, ds.level(0, 1));

    Path f = dir.resolve("f.npy");
    Npy.writeFloat32(f, new float[] {-1f, 0.5f, 1f, 0f, 0.25f, -0.75f, 0f, 0f}, 2, 2, 2, 1);
    DataSet fs = DataSets.load(f, IMAGE, DataRange.SYMMETRIC_UNIT, 0);
    assertFalse(fs.eightBit());
    assertEquals(-0.75f, fs.row(1)[1]);

    // unbounded models take any finite float data; flat [n, d] fits a [d] model
    Npy.writeFloat32(f, new float[] {-30f, 40f}, 1, 2);
    assertEquals(40f, DataSets.load(f, new int[] {2}, DataRange.UNBOUNDED, 0).row(0)[1]);
  }

  @Test
  void integerLevelArraysCountAsEightBit() throws IOException {
    Path p = dir.resolve("i8.npy");
    Npy.write(p, NumericArray.ofInt64(new long[] {0, 255, 128, 7}, 1, 2, 2));
    DataSet ds = DataSets.load(p, IMAGE, DataRange.SYMMETRIC_UNIT, 0);
    assertTrue(ds.eightBit());
    assertEquals(128, ds.level(0, 2));
    Npy.write(p, NumericArray.ofInt64(new long[] {0, 256, 1, 2}, 1, 2, 2));
    assertTrue(fails(p, IMAGE, DataRange.SYMMETRIC_UNIT).getMessage().contains("0..255, found 256"));
  }

  @Test
  void labelFilesAreReadAsNpyOrIdxPlainOrGzip() throws IOException {
    Path gz = IdxTest.gz(dir.resolve("train-labels-idx1-ubyte.gz"), IdxTest.idx(0x08, new int[] {3}, new byte[] {7, 0, 9}));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {7, 0, 9}, DataSets.readArray(gz).toFloat32());
    Path npy = dir.resolve("labels.npy");
    Npy.write(npy, NumericArray.ofInt64(new long[] {3, 1}, 2));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {3, 1}, DataSets.readArray(npy).toFloat32());
    Path junk = Files.writeString(dir.resolve("labels.txt"), "7\n0\n");
    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> DataSets.readArray(junk));
    assertTrue(e.getMessage().contains("labels.txt") && e.getMessage().contains("not a .npy or IDX"), e.getMessage());
  }

  @Test
  void badDataGiveOneClearMessageNamingTheFile() throws IOException {
    Path labels = IdxTest.gz(dir.resolve("labels.gz"), IdxTest.idx(0x08, new int[] {3}, new byte[] {1, 2, 3}));
    String m = fails(labels, IMAGE, DataRange.SYMMETRIC_UNIT).getMessage();
    assertTrue(m.contains("labels.gz") && m.contains("data shape [3] does not match the model's sample shape [1, 2, 2]")
        && m.contains("expected [n, 1, 2, 2]"), m);

    Path hwc = dir.resolve("hwc.npy");
    Npy.writeFloat32(hwc, new float[12], 1, 2, 2, 3);
    m = fails(hwc, new int[] {3, 2, 2}, DataRange.SYMMETRIC_UNIT).getMessage();
    assertTrue(m.contains("hwc.npy") && m.contains("does not match"), m);

    Path out = dir.resolve("range.npy");
    Npy.writeFloat32(out, new float[] {0f, 0.5f, 1.5f, 0f}, 1, 2, 2);
    m = fails(out, IMAGE, DataRange.SYMMETRIC_UNIT).getMessage();
    assertTrue(m.contains("range.npy") && m.contains("value 1.5 at row 0 lies outside the model's data range [-1, 1]"), m);

    Npy.writeFloat32(out, new float[] {0f, 200f, 13f, 0f}, 1, 2, 2);
    m = fails(out, IMAGE, DataRange.SYMMETRIC_UNIT).getMessage();
    assertTrue(m.contains("0..255 stored as floats"), m);

    Npy.writeFloat32(out, new float[] {0f, Float.NaN}, 1, 2);
    m = fails(out, new int[] {2}, DataRange.UNBOUNDED).getMessage();
    assertTrue(m.contains("non-finite value NaN"), m);

    Path u8 = dir.resolve("u8.npy");
    Npy.write(u8, NumericArray.ofUint8(new byte[] {1, 2}, 1, 2));
    m = fails(u8, new int[] {2}, DataRange.UNBOUNDED).getMessage();
    assertTrue(m.contains("u8.npy") && m.contains("bounded data range"), m);

    Path empty = Files.write(dir.resolve("empty.npy"), new byte[0]);
    m = fails(empty, IMAGE, DataRange.SYMMETRIC_UNIT).getMessage();
    assertTrue(m.contains("empty.npy") && m.contains("not a .npy or IDX file") && m.contains("empty"), m);

    m = fails(dir.resolve("missing.npy"), IMAGE, DataRange.SYMMETRIC_UNIT).getMessage();
    assertTrue(m.contains("missing.npy") && m.contains("no such data file"), m);

    Path none = dir.resolve("none.npy");
    Npy.writeFloat32(none, new float[0], 0, 1, 2, 2);
    m = fails(none, IMAGE, DataRange.SYMMETRIC_UNIT).getMessage();
    assertTrue(m.contains("no samples"), m);
  }
}
