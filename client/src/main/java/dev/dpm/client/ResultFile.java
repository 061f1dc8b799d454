package dev.dpm.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * A downloaded result file of a job: the bytes, what they are, and ways to decode or save them.
 *
 * <pre>{@code
 * client.result(id, OutputFormat.PNG).saveTo(Path.of("samples.png"));
 * NpyArray x = client.result(id, OutputFormat.NPY).toArray();   // [n, ...sampleShape]
 * }</pre>
 */
public final class ResultFile {
  private final String jobId;
  private final OutputFormat format;
  private final byte[] bytes;

  /**
   * @param jobId the job
   * @param format what the bytes are
   * @param bytes the file's bytes (copied)
   */
  public ResultFile(String jobId, OutputFormat format, byte[] bytes) {
    this.jobId = Objects.requireNonNull(jobId, "jobId");
    this.format = Objects.requireNonNull(format, "format");
    this.bytes = bytes.clone();
  }

  /** @return the job */
  public String jobId() {
    return jobId;
  }

  /** @return what the bytes are */
  public OutputFormat format() {
    return format;
  }

  /** @return a copy of the file's bytes */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** @return the file's size in bytes */
  public int size() {
    return bytes.length;
  }

  /**
   * @return the {@code .npy} decoded
   * @throws IllegalStateException when this is not an npy result
   * @throws DpmIoException when the bytes are not a supported {@code .npy}
   */
  public NpyArray toArray() {
    require(OutputFormat.NPY);
    return NpyArray.read(bytes);
  }

  /**
   * @return the PNG decoded
   * @throws IllegalStateException when this is not a png result
   * @throws DpmIoException when the bytes are not a readable image
   */
  public BufferedImage toImage() {
    require(OutputFormat.PNG);
    return decodeImage(bytes);
  }

  /**
   * @return the JSON document (a calibration job's Γ file)
   * @throws IllegalStateException when this is not a json result
   * @throws DpmIoException when the bytes are not JSON
   */
  public JsonNode toJson() {
    require(OutputFormat.JSON);
    try {
      return DpmJson.mapper().readTree(bytes);
    } catch (IOException e) {
      throw new DpmIoException("result of job " + jobId + " is not JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Writes the bytes to a file, atomically (a temporary file in the same folder, then a move), so
   * a reader never sees half a file. Missing parent folders are created.
   *
   * @param file the target (a folder gets {@code <jobId>.<format>} inside it)
   * @return the file written
   * @throws DpmIoException when writing fails
   */
  public Path saveTo(Path file) {
    Path target = Files.isDirectory(file) ? file.resolve(jobId + format.extension()) : file;
    return writeAtomically(target, bytes);
  }

  private void require(OutputFormat f) {
    if (format != f) {
      throw new IllegalStateException("result of job " + jobId + " is " + format + ", not " + f);
    }
  }

  static BufferedImage decodeImage(byte[] png) {
    try {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
      if (img == null) {
        throw new DpmIoException("not a readable image (" + png.length + " bytes)", null);
      }
      return img;
    } catch (IOException e) {
      throw new DpmIoException("cannot decode image: " + e.getMessage(), e);
    }
  }

  static Path writeAtomically(Path target, byte[] bytes) {
    Path abs = target.toAbsolutePath();
    Path tmp = null;
    try {
      Files.createDirectories(abs.getParent());
      // created like an ordinary file (0666 less the umask), not 0600 as createTempFile makes them
      tmp = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
          ? Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".part",
              java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                  java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-")))
          : Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".part");
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      return target;
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
      throw new DpmIoException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ResultFile[" + jobId + ", " + format + ", " + bytes.length + " bytes]";
  }
}
