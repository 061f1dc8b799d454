package dev.dpm.runtime.io;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Temporary files beside a destination, for writes that end with a move into place. A plain
 * {@link Files#createTempFile} makes files of mode 0600, so every output would be private to its
 * owner; these are created like ordinary files instead (0666 less the process umask, so usually 0644).
 */
public final class TempFiles {
  private TempFiles() {}

  /**
   * @param target the file that will be written (its folder must exist)
   * @param suffix the temporary name's suffix, e.g. {@code .tmp}
   * @return a new empty file in the target's folder
   * @throws IOException if it cannot be created
   */
  public static Path beside(Path target, String suffix) throws IOException {
    Path abs = target.toAbsolutePath();
    String prefix = "." + abs.getFileName();
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return Files.createTempFile(abs.getParent(), prefix, suffix,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-")));
    }
    return Files.createTempFile(abs.getParent(), prefix, suffix);
  }
}
