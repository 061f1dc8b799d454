package dev.dpm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs {@code ./dpm} in-process and captures its exit code, stdout and stderr. */
final class Cli {
  private Cli() {}

  /** The project root (set by Surefire; falls back to the parent of the module folder). */
  static Path root() {
    String r = System.getProperty("dpm.root");
    Path p = r != null ? Path.of(r) : Path.of("").toAbsolutePath().getParent();
    if (!Files.isDirectory(p.resolve("models")) && Files.isDirectory(p.getParent().resolve("models"))) {
      p = p.getParent();
    }
    return p;
  }

  static Path models() {
    return root().resolve("models");
  }

  static Path fixtures() {
    return root().resolve("runtime/src/test/resources/fixtures");
  }

  /**
   * @param code exit code
   * @param out stdout
   * @param err stderr
   */
  record Result(int code, String out, String err) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(out);
      } catch (IOException e) {
        throw new UncheckedIOException("stdout is not JSON: " + out + "\nstderr: " + err, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dpm.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  /** Copies a bundled model's manifest (not its Γ) into a fresh models folder. */
  static Path copyModel(Path tmp, String name, boolean withGamma) throws IOException {
    Path dst = tmp.resolve("models").resolve(name);
    Files.createDirectories(dst);
    Path src = models().resolve(name);
    try (var files = Files.list(src)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String fn = f.getFileName().toString();
        if (withGamma || !fn.equals("gamma.json")) {
          Files.copy(f, dst.resolve(fn));
        }
      }
    }
    return tmp.resolve("models");
  }
}
