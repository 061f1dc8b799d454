package dev.dpm.server.jobs;

import dev.dpm.server.models.ServedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves the {@code data} of a calibration request: an absolute path, or one relative to the model's folder or to
 * one of the configured calibration data folders (first existing match). The real path (symbolic links followed)
 * must lie inside one of those folders, so a request cannot make the server read arbitrary files; a file outside
 * them gets the same answer as a missing one, and the answer names no server path.
 */
final class CalibrationData {
  private final List<Path> extraRoots;

  CalibrationData(List<Path> extraRoots) {
    this.extraRoots = List.copyOf(extraRoots);
  }

  /** @return the real path of the data file, or throws a {@link Rejection.Invalid} naming {@code data} */
  Path resolve(String data, ServedModel model) {
    List<Path> roots = new ArrayList<>();
    roots.add(model.spec().dir());
    roots.addAll(extraRoots);
    Path given;
    try {
      given = Path.of(data);
    } catch (InvalidPathException e) {
      throw Rejection.Invalid.of("data", "not a valid path: " + e.getMessage()).toException();
    }
    List<Path> candidates = new ArrayList<>();
    if (given.isAbsolute()) {
      candidates.add(given);
    } else {
      for (Path r : roots) {
        candidates.add(r.resolve(given));
      }
    }
    for (Path c : candidates) {
      if (!Files.isRegularFile(c)) {
        continue;
      }
      Path real;
      try {
        real = c.toRealPath();
      } catch (IOException e) {
        continue;
      }
      for (Path r : roots) {
        try {
          if (real.startsWith(r.toRealPath())) {
            return real;
          }
        } catch (IOException e) {
          // a configured folder that does not exist allows nothing
        }
      }
      break; // outside the folders: answered exactly as a missing file, so a request cannot probe the disk
    }
    throw Rejection.Invalid.of("data", "no readable file '" + data + "' in the folders calibration data may come from"
        + " (the model's folder" + (extraRoots.isEmpty() ? "; configure calibrationDataDirs for more" : " and the "
        + extraRoots.size() + " configured calibrationDataDirs") + ")").toException();
  }

  /** @return where the data may come from, for messages */
  String describe() {
    return extraRoots.isEmpty() ? "" : " or in a configured calibrationDataDirs folder";
  }
}
