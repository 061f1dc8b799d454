package dev.dpm.runtime.model;

import dev.dpm.core.model.GaussianMixturePredictor;
import dev.dpm.core.model.NoisePredictor;
import dev.dpm.runtime.model.GammaJson;
import ai.djl.Device;
import dev.dpm.core.moments.Gamma;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Finds and opens the models of a models folder ({@code models/<name>/model.json}).
 *
 * <p>For a TorchScript model the network file's SHA-256 is checked against the manifest before
 * anything is loaded: a mismatch (a corrupt download, a retrained file with a stale manifest) is
 * refused with a message naming both hashes. The Γ file ({@code gamma.json} or the manifest's
 * {@code gamma}) is read when present, checked against the schedule, and for TorchScript models
 * against the network's hash (a Γ estimated with another network is not used; see
 * {@link LoadedModel#gammaNote()}).
 */
public final class ModelLoader {
  /** Environment variable that overrides the models folder. */
  public static final String MODELS_ENV = "DPM_MODELS";
  /** System property naming the project root (set by the {@code ./dpm} launcher and by Maven). */
  public static final String ROOT_PROPERTY = "dpm.root";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private ModelLoader() {}

  /**
   * The models folder when none is given: {@code $DPM_MODELS}, else {@code <dpm.root>/models},
   * else {@code ./models}.
   *
   * @return the folder (not checked for existence)
   */
  public static Path defaultModelsDir() {
    String env = System.getenv(MODELS_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String root = System.getProperty(ROOT_PROPERTY);
    return root != null && !root.isBlank() ? Path.of(root, "models") : Path.of("models");
  }

  /**
   * Lists the manifests of a models folder, by name. Sub-folders without {@code model.json} are
   * skipped.
   *
   * @param modelsDir the folder
   * @return the manifests, sorted by name (empty when the folder does not exist)
   * @throws IOException if a manifest cannot be read or is invalid
   */
  public static List<ModelSpec> list(Path modelsDir) throws IOException {
    List<ModelSpec> specs = new ArrayList<>();
    if (!Files.isDirectory(modelsDir)) {
      return specs;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(modelsDir, Files::isDirectory)) {
      for (Path dir : dirs) {
        if (Files.isRegularFile(dir.resolve("model.json")) && isDiffusionModel(dir)) {
          specs.add(ModelSpec.read(dir));
        }
      }
    }
    specs.sort(Comparator.comparing(ModelSpec::name));
    return specs;
  }

  /**
   * Whether a folder's manifest describes a diffusion model. Auxiliary networks such as the
   * {@code fashion-features} classifier (manifest {@code "kind":"features"}) live beside the
   * diffusion models but are not served or sampled.
   *
   * @param dir a folder holding model.json
   * @return false for {@code "kind":"features"}
   * @throws IOException if the manifest cannot be read
   */
  public static boolean isDiffusionModel(Path dir) throws IOException {
    Path f = dir.resolve("model.json");
    try {
      return !"features".equals(
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(f)).path("kind").asText());
    } catch (IOException e) {
      throw new IOException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the manifest of a model given by name or by folder: a value with a path separator (or
   * {@code .}, {@code ..}, {@code ~}) is a folder; a plain name is a folder of {@code modelsDir}, else
   * a folder of that name in the working directory.
   *
   * @param modelsDir the models folder
   * @param nameOrFolder the model's folder name, or a model folder
   * @return the manifest
   * @throws IOException if there is no such model (the message lists the available ones), the folder
   *     holds no {@code model.json} (the message says how to write one), or the manifest is invalid
   */
  public static ModelSpec spec(Path modelsDir, String nameOrFolder) throws IOException {
    Path folder = folderOf(modelsDir, nameOrFolder);
    if (folder != null) {
      return readFolder(folder);
    }
    String name = nameOrFolder;
    Path dir = modelsDir.resolve(name);
    if (!Files.isRegularFile(dir.resolve("model.json"))) {
      String available;
      try {
        available = list(modelsDir).stream().map(ModelSpec::name).collect(Collectors.joining(", "));
      } catch (IOException e) {
        available = "";
      }
      throw new IOException("unknown model '" + name + "' in " + modelsDir.toAbsolutePath()
          + (available.isEmpty() ? " (no models there)" : " (available: " + available + ")")
          + "; --model also takes a model folder (a path holding model.json)");
    }
    return ModelSpec.read(dir);
  }

  /**
   * @param modelsDir the models folder
   * @param v a {@code --model} value
   * @return the model folder it names, or null when it is a name of {@code modelsDir}
   * @throws IOException if it is neither a valid name nor a folder
   */
  public static Path folderOf(Path modelsDir, String v) throws IOException {
    if (v == null || v.isBlank()) {
      throw new IOException("missing model name or folder");
    }
    boolean pathLike = v.contains("/") || v.contains(java.io.File.separator) || v.equals(".") || v.equals("..")
        || v.startsWith("~");
    if (pathLike) {
      return Path.of(v.startsWith("~/") ? System.getProperty("user.home") + v.substring(1) : v);
    }
    if (!NAME.matcher(v).matches()) {
      if (Files.isDirectory(Path.of(v))) {
        return Path.of(v);
      }
      throw new IOException("invalid model name '" + v + "' (a name of the models folder, or a model folder)");
    }
    if (!Files.isRegularFile(modelsDir.resolve(v).resolve("model.json"))
        && Files.isRegularFile(Path.of(v, "model.json"))) {
      return Path.of(v);
    }
    return null;
  }

  /**
   * @param dir a model folder
   * @return its manifest
   * @throws IOException if it is not a folder, has no model.json (saying how to write one) or is invalid
   */
  public static ModelSpec readFolder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("no such model folder: " + dir.toAbsolutePath());
    }
    if (!Files.isRegularFile(dir.resolve("model.json"))) {
      throw new IOException(dir.toAbsolutePath() + " holds no model.json; write one with ./dpm import " + dir
          + " --out " + dir + " (see docs/models.md)");
    }
    return ModelSpec.read(dir);
  }

  /**
   * Loads a model by name (or folder, see {@link #spec}) on the CPU.
   *
   * @param modelsDir the models folder
   * @param name the model's folder name, or a model folder
   * @return the loaded model; close it when done
   * @throws IOException see {@link #load(ModelSpec, Device)}
   */
  public static LoadedModel load(Path modelsDir, String name) throws IOException {
    return load(spec(modelsDir, name), null);
  }

  /**
   * Loads a model by name.
   *
   * @param modelsDir the models folder
   * @param name the model's folder name
   * @param device where a TorchScript network runs (null: CPU); ignored by oracles
   * @return the loaded model; close it when done
   * @throws IOException see {@link #load(ModelSpec, Device)}
   */
  public static LoadedModel load(Path modelsDir, String name, Device device) throws IOException {
    return load(spec(modelsDir, name), device);
  }

  /**
   * Builds the schedule and predictor of a manifest and reads its Γ file when present.
   *
   * @param spec the manifest
   * @param device where a TorchScript network runs (null: CPU); ignored by oracles
   * @return the loaded model; close it when done
   * @throws IOException if the network file is missing, its hash differs from the manifest, it
   *     cannot be loaded, or the Γ file is unreadable or made for another schedule
   */
  public static LoadedModel load(ModelSpec spec, Device device) throws IOException {
    Prepared p = prepare(spec);
    NoisePredictor predictor = switch (spec.kind()) {
      case TORCHSCRIPT -> spec.conditioning() == null ? TorchScriptPredictor.open(spec, p.schedule(), device)
          : new LabelledTorchScript(TorchScriptPredictor.open(spec, p.schedule(), device), spec.conditioning());
      case GAUSSIAN_MIXTURE -> spec.conditioning() == null ? new GaussianMixturePredictor(spec.mixture(), p.schedule())
          : new dev.dpm.core.model.LabelledMixturePredictor(spec.mixture(), p.schedule());
    };
    try {
      return new LoadedModel(spec, p.schedule(), predictor, p.gamma(), p.gammaNote(), guidedGamma(spec, p.schedule()));
    } catch (IllegalArgumentException e) {
      predictor.close();
      throw new IOException("model '" + spec.name() + "': " + e.getMessage(), e);
    }
  }

  /**
   * What samplers need to know about a model, without loading its network (for plans): the
   * schedule and, when a valid Γ file exists, Γ. The network file's hash is still checked.
   *
   * @param spec the manifest
   * @return the context
   * @throws IOException as {@link #load(ModelSpec, Device)}, except that the network is not loaded
   */
  public static ModelContext context(ModelSpec spec) throws IOException {
    Prepared p = prepare(spec);
    return new ModelContext(p.schedule(), spec.dimension(), spec.dataRange(), spec.eightBit(), p.gamma(),
        spec.trajectory(), spec.stepsOffset()).withHeads(spec.heads());
  }

  /**
   * Why a model's Γ file is not used although it exists (estimated with another network file), or
   * null. For error messages of samplers that need Γ.
   *
   * @param spec the manifest
   * @return the note, or null
   * @throws IOException as {@link #context(ModelSpec)}
   */
  public static String gammaNote(ModelSpec spec) throws IOException {
    return prepare(spec).gammaNote();
  }

  /**
   * The guided Γ grid of a conditional model ({@code gamma-guided.json}), or null when there is none or it was
   * estimated with another network file.
   *
   * @param spec the manifest
   * @param schedule its schedule
   * @return the grid or null
   * @throws IOException if the file is invalid or made for another schedule
   */
  public static dev.dpm.core.moments.GuidedGamma guidedGamma(ModelSpec spec, NoiseSchedule schedule)
      throws IOException {
    Path f = spec.guidedGammaPath();
    if (spec.conditioning() == null || !Files.exists(f)) {
      return null;
    }
    dev.dpm.core.moments.GuidedGamma g = GuidedGammaJson.read(f, schedule);
    String sha = g.provenance() == null ? null : g.provenance().modelSha256();
    return sha != null && spec.sha256() != null && !sha.equalsIgnoreCase(spec.sha256()) ? null : g;
  }

  /** Schedule, Γ and the note on an unused Γ file of a manifest. */
  private record Prepared(NoiseSchedule schedule, double[] gamma, String gammaNote) {}

  private static Prepared prepare(ModelSpec spec) throws IOException {
    NoiseSchedule schedule;
    try {
      schedule = spec.schedule().build(spec.dir());
    } catch (RuntimeException e) {
      throw new IOException("model '" + spec.name() + "': invalid schedule: " + e.getMessage(), e);
    }
    String fileHash = null;
    if (spec.kind() == ModelKind.TORCHSCRIPT) {
      fileHash = verifyHash(spec);
    }
    double[] gamma = null;
    String note = null;
    Path gammaPath = spec.gammaPath();
    if (Files.exists(gammaPath)) {
      Gamma g = GammaJson.read(gammaPath, schedule);
      if (fileHash != null && g.provenance() != null && g.provenance().modelSha256() != null
          && !g.madeWithModel(fileHash)) {
        note = gammaPath + " was estimated with another network file (SHA-256 "
            + g.provenance().modelSha256() + "); run ./dpm calibrate --model " + spec.name() + " again";
      } else {
        gamma = g.values();
      }
    }
    return new Prepared(schedule, gamma, note);
  }

  /**
   * Checks a TorchScript model's file against the manifest's {@code sha256}.
   *
   * @param spec a TorchScript manifest
   * @return the file's hex SHA-256
   * @throws IOException if the file is missing, the manifest names no hash, or they differ
   */
  public static String verifyHash(ModelSpec spec) throws IOException {
    if (spec.file() == null) {
      throw new IOException("model '" + spec.name() + "': the manifest names no 'file'");
    }
    Path file = spec.dir().resolve(spec.file());
    if (!Files.isRegularFile(file)) {
      throw new IOException("model '" + spec.name() + "': network file not found: " + file);
    }
    if (spec.sha256() == null) {
      throw new IOException("model '" + spec.name() + "': the manifest has no 'sha256' for " + spec.file()
          + "; refusing to load an unverified network");
    }
    String actual = sha256(file);
    if (!actual.equalsIgnoreCase(spec.sha256())) {
      throw new IOException("model '" + spec.name() + "': " + file.getFileName() + " has SHA-256 " + actual
          + " but model.json says " + spec.sha256() + " (corrupt file or stale manifest); refusing to load");
    }
    return actual;
  }

  /**
   * @param file a file
   * @return its hex SHA-256 (lower case)
   * @throws IOException if it cannot be read
   */
  public static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int r = in.read(buf); r > 0; r = in.read(buf)) {
        md.update(buf, 0, r);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /**
   * The oracle of a {@code gaussian-mixture} manifest.
   *
   * @param spec the manifest
   * @return the predictor
   * @throws IOException if the schedule cannot be built
   * @throws IllegalArgumentException if the manifest is not a Gaussian-mixture oracle
   */
  public static GaussianMixturePredictor oracle(ModelSpec spec) throws IOException {
    if (spec.kind() != ModelKind.GAUSSIAN_MIXTURE || spec.mixture() == null) {
      throw new IllegalArgumentException("model " + spec.name() + " is not a gaussian-mixture oracle");
    }
    if (spec.mixture().dimension() != spec.dimension()) {
      throw new IllegalArgumentException("model " + spec.name() + ": the mixture has dimension "
          + spec.mixture().dimension() + " but sampleShape has " + spec.dimension());
    }
    return new GaussianMixturePredictor(spec.mixture(), spec.schedule().build(spec.dir()));
  }
}
