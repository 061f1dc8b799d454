package dev.dpm.bench.quality;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A TorchScript feature network (e.g. {@code models/fashion-features}): {@code forward(x [B, *inputShape])
 * -> [B, featureDim]}, run by DJL's PyTorch engine offline. Its folder holds {@code model.json}
 * with {@code file}, {@code sha256}, {@code inputShape} and {@code featureDim}; the file is checked
 * against the hash before loading. Inputs are in the image model's data range ([−1, 1]).
 */
public final class TorchScriptFeatures implements FeatureExtractor {
  private final Model model;
  private final long[] inputShape;
  private final int inputDim;
  private final int featureDim;
  private final String description;

  private TorchScriptFeatures(Model model, long[] inputShape, int featureDim, String description) {
    this.model = model;
    this.inputShape = inputShape;
    this.inputDim = (int) Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    this.featureDim = featureDim;
    this.description = description;
  }

  /**
   * Opens a feature network folder.
   *
   * @param dir the folder holding {@code model.json}
   * @param device DJL device (null: CPU)
   * @return the extractor (close it)
   * @throws IOException if the manifest or file is missing or invalid, or the hash differs
   */
  public static TorchScriptFeatures open(Path dir, Device device) throws IOException {
    Path manifest = dir.resolve("model.json");
    if (!Files.isRegularFile(manifest)) {
      throw new IOException("feature network: no " + manifest);
    }
    JsonNode n = new ObjectMapper().readTree(Files.readString(manifest));
    String fileName = n.path("file").asText("");
    String sha = n.path("sha256").asText("");
    JsonNode shape = n.path("inputShape");
    int featureDim = n.path("featureDim").asInt(0);
    if (fileName.isEmpty() || sha.isEmpty() || !shape.isArray() || featureDim <= 0) {
      throw new IOException(manifest + ": needs 'file', 'sha256', 'inputShape' and 'featureDim'");
    }
    long[] in = new long[shape.size()];
    for (int i = 0; i < in.length; i++) {
      in[i] = shape.get(i).asLong();
    }
    Path file = dir.resolve(fileName);
    if (!Files.isRegularFile(file)) {
      throw new IOException("feature network file not found: " + file);
    }
    String actual = BenchModel.sha256(file);
    if (!actual.equalsIgnoreCase(sha)) {
      throw new IOException(file + " has SHA-256 " + actual + " but " + manifest + " says " + sha);
    }
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    Model m = Model.newInstance(fileName, device == null ? Device.cpu() : device, "PyTorch");
    try {
      m.load(file.toAbsolutePath().getParent(), fileName, Map.of("mapLocation", "true"));
    } catch (MalformedModelException | RuntimeException e) {
      m.close();
      throw new IOException("cannot load feature network " + file + ": " + e.getMessage(), e);
    }
    String name = n.path("name").asText(dir.getFileName().toString());
    return new TorchScriptFeatures(m, in, featureDim, name + " (" + featureDim + " features, sha256 "
        + actual.substring(0, 12) + "…)");
  }

  @Override
  public int featureDim() {
    return featureDim;
  }

  @Override
  public synchronized float[] features(float[] x, int batch) {
    if (x.length != batch * inputDim) {
      throw new IllegalArgumentException("expected " + batch + "×" + inputDim + " values, got " + x.length);
    }
    long[] dims = new long[inputShape.length + 1];
    dims[0] = batch;
    System.arraycopy(inputShape, 0, dims, 1, inputShape.length);
    try (NDManager step = model.getNDManager().newSubManager()) {
      NDArray xs = step.create(x, new Shape(dims)); // [B, *inputShape]
      NDList out = model.getBlock().forward(new ParameterStore(step, false), new NDList(xs), false);
      NDArray y = out.singletonOrThrow();
      if (!y.getShape().equals(new Shape(batch, featureDim))) {
        throw new IllegalStateException("feature network returned " + y.getShape() + ", expected ("
            + batch + ", " + featureDim + ")");
      }
      return y.toType(DataType.FLOAT32, false).toFloatArray(); // [B, featureDim]
    }
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public synchronized void close() {
    model.close();
  }
}
