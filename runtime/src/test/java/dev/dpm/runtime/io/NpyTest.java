package dev.dpm.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path dir;

  /** A .npy file built by hand: magic, version, header dict, raw data. */
  static byte[] npy(int major, String dict, byte[] data) {
    int pre = major == 1 ? 10 : 12;
    int total = pre + dict.length() + 1;
    String padded = dict + " ".repeat((64 - total % 64) % 64) + "\n";
    ByteBuffer bb = ByteBuffer.allocate(pre + padded.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    bb.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      bb.putShort((short) padded.length());
    } else {
      bb.putInt(padded.length());
    }
    bb.put(padded.getBytes(StandardCharsets.ISO_8859_1));
    bb.put(data);
    return bb.array();
  }

  static byte[] bytes(ByteOrder order, int itemSize, int n, java.util.function.BiConsumer<ByteBuffer, Integer> put) {
    ByteBuffer bb = ByteBuffer.allocate(itemSize * n).order(order);
    for (int i = 0; i < n; i++) {
      put.accept(bb, i);
    }
    return bb.array();
  }

  private Path file(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  @Test
  void float32RoundTripKeepsShapeValuesAndAlignment() throws IOException {
    float[] data = new float[2 * 3 * 4];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) Math.sin(i) * 1e3f;
    }
    data[5] = Float.NaN;
    data[6] = -0.0f;
    Path p = dir.resolve("x.npy");
    Npy.writeFloat32(p, data, 2, 3, 4);
    byte[] raw = Files.readAllBytes(p);
    int headerLen = (raw[8] & 0xFF) | (raw[9] & 0xFF) << 8;
    assertEquals(0, (10 + headerLen) % 64, "data must start 64-byte aligned");
    assertEquals(10 + headerLen + 4 * data.length, raw.length);
    String header = new String(raw, 10, headerLen, StandardCharsets.ISO_8859_1);
    assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }"), header);
    assertTrue(header.endsWith("\n"));
    NumericArray a = Npy.read(p);
    assertEquals(DType.FLOAT32, a.dtype());
    assertArrayEquals(new int[] {2, 3, 4}, a.shape());
    for (int i = 0; i < data.length; i++) {
      assertEquals(Float.floatToRawIntBits(data[i]), Float.floatToRawIntBits(a.float32()[i]), "element " + i);
    }
  }

  @Test
  void oneDimensionalAndScalarShapesUsePythonTupleSyntax() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(out, NumericArray.ofFloat32(new float[] {1, 2, 3}, 3));
    assertTrue(new String(out.toByteArray(), StandardCharsets.ISO_8859_1).contains("'shape': (3,), }"));
    out.reset();
    Npy.write(out, NumericArray.ofFloat64(new double[] {7.5}));
    NumericArray s = Npy.read(new java.io.ByteArrayInputStream(out.toByteArray()));
    assertEquals(0, s.rank());
    assertEquals(7.5, s.get(0));
  }

  @Test
  void readsHandBuiltFilesOfEachDtype() throws IOException {
    // <f4 [2, 2]
    byte[] f4 = bytes(ByteOrder.LITTLE_ENDIAN, 4, 4, (b, i) -> b.putFloat(i * 0.5f - 1f));
    NumericArray a = Npy.read(file("f4.npy",
        npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4)));
    assertEquals(DType.FLOAT32, a.dtype());
    assertArrayEquals(new float[] {-1f, -0.5f, 0f, 0.5f}, a.float32());

    // <f8 [3], version 2.0 header
    byte[] f8 = bytes(ByteOrder.LITTLE_ENDIAN, 8, 3, (b, i) -> b.putDouble(Math.PI * i));
    a = Npy.read(file("f8.npy", npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", f8)));
    assertEquals(DType.FLOAT64, a.dtype());
    assertArrayEquals(new double[] {0, Math.PI, 2 * Math.PI}, a.float64());

    // |u1 [2, 3]
    byte[] u1 = {0, 1, 127, (byte) 128, (byte) 254, (byte) 255};
    a = Npy.read(file("u1.npy", npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", u1)));
    assertEquals(DType.UINT8, a.dtype());
    assertEquals(255.0, a.get(5));
    assertEquals(128.0, a.get(3));

    // <i8 [2]
    byte[] i8 = bytes(ByteOrder.LITTLE_ENDIAN, 8, 2, (b, i) -> b.putLong(i == 0 ? -5L : 1L << 40));
    a = Npy.read(file("i8.npy", npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8)));
    assertEquals(DType.INT64, a.dtype());
    assertArrayEquals(new long[] {-5L, 1L << 40}, a.int64());

    // >f8 big-endian
    byte[] be = bytes(ByteOrder.BIG_ENDIAN, 8, 2, (b, i) -> b.putDouble(1.25 + i));
    a = Npy.read(file("be.npy", npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be)));
    assertArrayEquals(new double[] {1.25, 2.25}, a.float64());
  }

  @Test
  void fortranOrderIsTransposedToCOrder() throws IOException {
    // the C-order matrix [[0, 1, 2], [3, 4, 5]] stored column-major: 0 3 1 4 2 5
    byte[] f = bytes(ByteOrder.LITTLE_ENDIAN, 4, 6, (b, i) -> b.putFloat(new float[] {0, 3, 1, 4, 2, 5}[i]));
    NumericArray a = Npy.read(file("fo.npy",
        npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f)));
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, a.float32());
    assertArrayEquals(new int[] {2, 3}, a.shape());
  }

  @Test
  void readsGzipCompressedNpy() throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    Npy.write(raw, NumericArray.ofUint8(new byte[] {3, 2, 1}, 3));
    Path p = dir.resolve("g.npy.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(raw.toByteArray());
    }
    assertEquals(2.0, Npy.read(p).get(1));
  }

  @Test
  void badFilesGiveMessagesNamingFileAndProblem() throws IOException {
    byte[] ok = bytes(ByteOrder.LITTLE_ENDIAN, 4, 4, (b, i) -> b.putFloat(i));
    Path trunc = file("trunc.npy", java.util.Arrays.copyOf(
        npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", ok), 128 + 10));
    IOException e = assertThrows(IOException.class, () -> Npy.read(trunc));
    assertTrue(e.getMessage().contains("trunc.npy") && e.getMessage().contains("truncated")
        && e.getMessage().contains("expected 16 bytes of data, found 10"), e.getMessage());

    Path cplx = file("c.npy", npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]));
    e = assertThrows(IOException.class, () -> Npy.read(cplx));
    assertTrue(e.getMessage().contains("c.npy") && e.getMessage().contains("unsupported dtype '<c8'"), e.getMessage());

    Path struct = file("s.npy", npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]));
    e = assertThrows(IOException.class, () -> Npy.read(struct));
    assertTrue(e.getMessage().contains("unsupported dtype"), e.getMessage());

    Path text = file("t.npy", "hello world, not numpy".getBytes(StandardCharsets.US_ASCII));
    e = assertThrows(IOException.class, () -> Npy.read(text));
    assertTrue(e.getMessage().contains("t.npy") && e.getMessage().contains("not a .npy file"), e.getMessage());

    Path v9 = file("v9.npy", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0, 0, 0});
    e = assertThrows(IOException.class, () -> Npy.read(v9));
    assertTrue(e.getMessage().contains("version 9.0"), e.getMessage());

    Path noShape = file("ns.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}", new byte[4]));
    e = assertThrows(IOException.class, () -> Npy.read(noShape));
    assertTrue(e.getMessage().contains("malformed npy header"), e.getMessage());
  }
}
