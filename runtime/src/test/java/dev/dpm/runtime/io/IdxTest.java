package dev.dpm.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir Path dir;

  /** An IDX file as MNIST stores it: 00 00 type ndim, big-endian dims, data. */
  static byte[] idx(int type, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    out.write(new byte[] {0, 0, (byte) type, (byte) dims.length});
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(data);
    out.flush();
    return b.toByteArray();
  }

  static Path gz(Path p, byte[] content) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(content);
    }
    return p;
  }

  static byte[] images() {
    byte[] px = new byte[3 * 2 * 2];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 23);
    }
    px[0] = 0;
    px[1] = (byte) 255;
    return px;
  }

  @Test
  void readsGzippedImagesAndLabels() throws IOException {
    Path img = gz(dir.resolve("train-images-idx3-ubyte.gz"), idx(0x08, new int[] {3, 2, 2}, images()));
    Path lab = gz(dir.resolve("train-labels-idx1-ubyte.gz"), idx(0x08, new int[] {3}, new byte[] {7, 0, 9}));
    NumericArray a = Idx.read(img);
    assertEquals(DType.UINT8, a.dtype());
    assertArrayEquals(new int[] {3, 2, 2}, a.shape());
    assertArrayEquals(images(), a.uint8());
    NumericArray l = Idx.read(lab);
    assertArrayEquals(new int[] {3}, l.shape());
    assertEquals(9.0, l.get(2));
  }

  @Test
  void readsPlainFloatAndIntTypes() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(b);
    o.writeFloat(1.5f);
    o.writeFloat(-2f);
    NumericArray f = Idx.read(Files.write(dir.resolve("f.idx"), idx(0x0D, new int[] {2}, b.toByteArray())));
    assertArrayEquals(new float[] {1.5f, -2f}, f.float32());
    NumericArray s = Idx.read(Files.write(dir.resolve("s.idx"), idx(0x0B, new int[] {1}, new byte[] {(byte) 0xFF, (byte) 0xFE})));
    assertEquals(-2.0, s.get(0));
  }

  @Test
  void badIdxFilesNameTheProblem() throws IOException {
    byte[] full = idx(0x08, new int[] {3, 2, 2}, images());
    Path trunc = gz(dir.resolve("trunc.gz"), Arrays.copyOf(full, full.length - 5));
    IOException e = assertThrows(IOException.class, () -> Idx.read(trunc));
    assertTrue(e.getMessage().contains("trunc.gz") && e.getMessage().contains("truncated IDX data"), e.getMessage());

    byte[] longer = Arrays.copyOf(full, full.length + 3);
    Path extra = Files.write(dir.resolve("extra.idx"), longer);
    e = assertThrows(IOException.class, () -> Idx.read(extra));
    assertTrue(e.getMessage().contains("unexpected bytes after the IDX data"), e.getMessage());

    Path type = Files.write(dir.resolve("type.idx"), idx(0x07, new int[] {1}, new byte[1]));
    e = assertThrows(IOException.class, () -> Idx.read(type));
    assertTrue(e.getMessage().contains("unknown IDX element type 0x07"), e.getMessage());
  }
}
