package dev.dpm.server.models;

import dev.dpm.runtime.model.GammaJson;
import dev.dpm.core.moments.Gamma;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the server keeps the Γ files its calibration jobs install, so that they survive restarts.
 *
 * <p>The preferred place is the model's own Γ file ({@code models/<name>/gamma.json}, or the
 * manifest's {@code gamma}), written atomically in the core's canonical format ({@link Gamma#write})
 * — the file {@code ./dpm calibrate} writes and every loader reads. When the model folder cannot
 * be written (a read-only mount), the file goes to {@code <dataDir>/gamma/<name>.json} instead;
 * at start {@link #restore} installs such a file when it is valid for the model (same schedule,
 * same network file) and newer than the folder's own Γ (by {@code provenance.created}).
 */
public final class GammaFiles {
  private static final Logger LOG = LoggerFactory.getLogger(GammaFiles.class);

  private GammaFiles() {}

  /**
   * @param dataDir the server's data folder
   * @param model model name
   * @return the fallback Γ file of a model
   */
  public static Path fallback(Path dataDir, String model) {
    return dataDir.resolve("gamma").resolve(model + ".json");
  }

  /**
   * Stores a Γ for a model: in the model folder if it can be written, else in the data folder.
   *
   * @param gamma the Γ
   * @param model the model
   * @param dataDir the server's data folder
   * @return the file written
   * @throws IOException if neither place can be written
   */
  public static Path write(Gamma gamma, ServedModel model, Path dataDir) throws IOException {
    Path preferred = model.spec().gammaPath();
    try {
      GammaJson.write(gamma, preferred);
      Files.deleteIfExists(fallback(dataDir, model.name())); // the folder's file is now the newest
      return preferred;
    } catch (IOException e) {
      Path alt = fallback(dataDir, model.name());
      LOG.warn("event=gamma-folder-not-writable model={} file={} error=\"{}\" fallback={}", model.name(),
          preferred, e.toString(), alt);
      Files.createDirectories(alt.getParent());
      GammaJson.write(gamma, alt);
      return alt;
    }
  }

  /**
   * Installs the data folder's Γ files into the models they belong to, where they are valid and
   * newer than what the model folder holds.
   *
   * @param models the models being served
   * @param dataDir the server's data folder
   */
  public static void restore(ModelRegistry models, Path dataDir) {
    for (ServedModel m : models.all()) {
      Path f = fallback(dataDir, m.name());
      if (!Files.isRegularFile(f)) {
        continue;
      }
      try {
        Gamma g = GammaJson.read(f, m.context().schedule());
        if (m.sha256() != null && g.provenance() != null && g.provenance().modelSha256() != null
            && !g.madeWithModel(m.sha256())) {
          LOG.warn("event=gamma-ignored model={} file={} reason=\"estimated with another network file\"", m.name(), f);
          continue;
        }
        if (m.context().gamma() != null && !newer(g, m)) {
          LOG.info("event=gamma-ignored model={} file={} reason=\"the model folder's Γ is newer\"", m.name(), f);
          continue;
        }
        m.installGamma(g, f);
        LOG.info("event=gamma-restored model={} file={}", m.name(), f);
      } catch (IOException e) {
        LOG.warn("event=gamma-ignored model={} file={} error=\"{}\"", m.name(), f, e.getMessage());
      }
    }
  }

  private static boolean newer(Gamma g, ServedModel m) {
    Instant mine = g.provenance() == null ? null : g.provenance().created();
    if (mine == null) {
      return false;
    }
    Object other = m.gammaProvenance() == null ? null : m.gammaProvenance().getValue("created");
    if (other == null) {
      return true;
    }
    try {
      return mine.isAfter(Instant.parse(other.toString()));
    } catch (RuntimeException e) {
      return true;
    }
  }
}
