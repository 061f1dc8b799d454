package dev.dpm.bench.quality;

import java.nio.file.Path;
import java.util.List;

/**
 * What the extended-family table ({@link ExtendedFamilyTable}) and the NFE table ({@link NfeTable}) compute.
 *
 * @param outDir where the JSON, Markdown and PNG files go
 * @param seed seed of all noise (common random numbers across methods)
 * @param images held-out test rows for the bound (extended table)
 * @param samples samples per FD cell
 * @param nllKs K values of the bound (extended table)
 * @param sampleKs K values of FD (extended table)
 * @param nfes target NFE values (NFE table)
 * @param samplers sampler wire names of the NFE table, or empty for every sampler the model serves
 * @param batch rows per network evaluation
 * @param data the held-out test images (bound rows and FD reference)
 * @param bootstrap bootstrap resamples for the FD standard errors
 * @param fresh ignore saved results
 * @param command the command line, for the report
 */
public record TableSettings(Path outDir, long seed, int images, int samples, int[] nllKs, int[] sampleKs, int[] nfes,
    List<String> samplers, int batch, Path data, int bootstrap, boolean fresh, String command) {
  /** Validates the counts. */
  public TableSettings {
    if (images < 2 || samples < 2 || batch < 1 || bootstrap < 2) {
      throw new IllegalArgumentException("images and samples must be at least 2, batch at least 1, bootstrap at"
          + " least 2");
    }
    if (data == null) {
      throw new IllegalArgumentException("the tables need held-out test images (--data)");
    }
    samplers = List.copyOf(samplers);
    nllKs = nllKs.clone();
    sampleKs = sampleKs.clone();
    nfes = nfes.clone();
  }
}
