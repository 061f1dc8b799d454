package dev.dpm.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK's own .npy reader/writer (the client does not depend on core). */
class NpyArrayTest {

  /** A .npy file written by hand the way numpy.save lays it out. */
  static byte[] npy(int major, String descr, String shape, boolean fortran, ByteOrder order, double... values) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    int pre = major == 1 ? 10 : 12;
    int total = pre + dict.length() + 1;
    String header = dict + " ".repeat((total + 63) / 64 * 64 - total) + "\n";
    int width = descr.endsWith("8") ? 8 : 4;
    ByteBuffer b = ByteBuffer.allocate(pre + header.length() + width * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) header.length());
    } else {
      b.putInt(header.length());
    }
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    b.order(order);
    for (double v : values) {
      if (width == 8) {
        b.putDouble(v);
      } else {
        b.putFloat((float) v);
      }
    }
    assertEquals(0, (pre + header.length()) % 64, "numpy aligns the data to 64 bytes");
    return b.array();
  }

  @Test
  void readsFloat32AndFloat64InBothByteOrdersAndVersions() {
    double[] v = {0, 1.5, -2.25, 3e-3, 4, 5};
    float[] f = {0f, 1.5f, -2.25f, 3e-3f, 4f, 5f};
    for (NpyArray a : new NpyArray[] {
        NpyArray.read(npy(1, "<f4", "(2, 3)", false, ByteOrder.LITTLE_ENDIAN, v)),
        NpyArray.read(npy(1, ">f4", "(2, 3)", false, ByteOrder.BIG_ENDIAN, v)),
        NpyArray.read(npy(2, "<f8", "(2, 3)", false, ByteOrder.LITTLE_ENDIAN, v)),
        NpyArray.read(npy(3, ">f8", "(2, 3)", false, ByteOrder.BIG_ENDIAN, v))}) {
      assertArrayEquals(new int[] {2, 3}, a.shape());
      assertArrayEquals(f, a.data());
      assertEquals(-2.25f, a.get(0, 2));
      assertEquals(4f, a.get(1, 1));
      assertArrayEquals(new float[] {3e-3f, 4f, 5f}, a.sample(1));
      assertEquals(2, a.count());
    }
    NpyArray one = NpyArray.read(npy(1, "<f4", "(3,)", false, ByteOrder.LITTLE_ENDIAN, 7, 8, 9));
    assertArrayEquals(new int[] {3}, one.shape());
    NpyArray scalar = NpyArray.read(npy(1, "<f4", "()", false, ByteOrder.LITTLE_ENDIAN, 42));
    assertArrayEquals(new int[0], scalar.shape());
    assertEquals(42f, scalar.get());
  }

  @Test
  void writesWhatItReadsAndNumpyLayout(@TempDir Path dir) {
    NpyArray a = new NpyArray(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new int[] {2, 1, 2, 2});
    byte[] bytes = a.toNpy();
    assertEquals(a, NpyArray.read(bytes));
    String header = new String(bytes, 10, bytes.length - 10 - 32, StandardCharsets.ISO_8859_1);
    assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2, 2), }"), header);
    assertEquals(0, (bytes.length - 32) % 64);
    assertArrayEquals(npy(1, "<f4", "(3,)", false, ByteOrder.LITTLE_ENDIAN, 1, 2, 3),
        new NpyArray(new float[] {1, 2, 3}, new int[] {3}).toNpy(), "byte-identical to numpy.save");
    Path f = a.saveTo(dir.resolve("x.npy"));
    assertEquals(a, NpyArray.read(f));
  }

  @Test
  void rejectsWhatItCannotRead() {
    assertThrows(DpmIoException.class, () -> NpyArray.read("not numpy at all".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(DpmIoException.class, () -> NpyArray.read(npy(1, "<i4", "(2,)", false, ByteOrder.LITTLE_ENDIAN, 1, 2)));
    assertThrows(DpmIoException.class, () -> NpyArray.read(npy(1, "<f4", "(2, 2)", true, ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4)));
    byte[] full = npy(1, "<f4", "(4,)", false, ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4);
    DpmIoException e = assertThrows(DpmIoException.class, () -> NpyArray.read(Arrays.copyOf(full, full.length - 1)));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new NpyArray(new float[3], new int[] {2, 2}));
    NpyArray a = new NpyArray(new float[4], new int[] {2, 2});
    assertThrows(IndexOutOfBoundsException.class, () -> a.get(2, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> a.sample(2));
  }
}
