package dev.dpm.bench.conditional;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The classifier head of a TorchScript feature network (e.g. {@code models/fashion-features}): its extra
 * TorchScript method {@code logits(x [B, *inputShape]) -> [B, classes]}, called through DJL's
 * {@link IValueUtils#runMethod} (DJL's {@code Block.forward} reaches only {@code forward}, the features). The
 * folder's {@code model.json} is the feature network's ({@code file}, {@code sha256}, {@code inputShape}); the file
 * is checked against the hash, and {@link #open} probes the method once so a network without it is refused there.
 * The class of a sample is the argmax of its logits; the class order is the network's (Fashion-MNIST's for the
 * bundled one, the same as {@code fashion-mnist}'s labels).
 */
public final class TorchScriptClassifier implements ClassProbe {
  /** The TorchScript method called. */
  public static final String METHOD = "logits";
  private final Model model;
  private final long[] inputShape;
  private final int inputDim;
  private final int classes;
  private final String description;

  private TorchScriptClassifier(Model model, long[] inputShape, int classes, String description) {
    this.model = model;
    this.inputShape = inputShape;
    this.inputDim = (int) Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    this.classes = classes;
    this.description = description;
  }

  /**
   * Opens the network of a feature-network folder and finds the number of classes from one probe call.
   *
   * @param dir the folder holding {@code model.json}
   * @param device DJL device (null: CPU)
   * @return the classifier (close it)
   * @throws IOException if the manifest or file is missing or invalid, the hash differs, or the network has no
   *     {@code logits} method
   */
  public static TorchScriptClassifier open(Path dir, Device device) throws IOException {
    Path manifest = dir.resolve("model.json");
    if (!Files.isRegularFile(manifest)) {
      throw new IOException("classifier: no " + manifest);
    }
    JsonNode n = new ObjectMapper().readTree(Files.readString(manifest));
    String fileName = n.path("file").asText("");
    String sha = n.path("sha256").asText("");
    JsonNode shape = n.path("inputShape");
    if (fileName.isEmpty() || sha.isEmpty() || !shape.isArray()) {
      throw new IOException(manifest + ": needs 'file', 'sha256' and 'inputShape'");
    }
    long[] in = new long[shape.size()];
    for (int i = 0; i < in.length; i++) {
      in[i] = shape.get(i).asLong();
    }
    Path file = dir.resolve(fileName);
    if (!Files.isRegularFile(file)) {
      throw new IOException("classifier network file not found: " + file);
    }
    String actual = dev.dpm.runtime.model.ModelLoader.sha256(file);
    if (!actual.equalsIgnoreCase(sha)) {
      throw new IOException(file + " has SHA-256 " + actual + " but " + manifest + " says " + sha);
    }
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    Model m = Model.newInstance(fileName + "#" + METHOD, device == null ? Device.cpu() : device, "PyTorch");
    try {
      m.load(file.toAbsolutePath().getParent(), fileName, Map.of("mapLocation", "true"));
    } catch (MalformedModelException | RuntimeException e) {
      m.close();
      throw new IOException("cannot load classifier network " + file + ": " + e.getMessage(), e);
    }
    String name = n.path("name").asText(dir.getFileName().toString());
    TorchScriptClassifier probe = new TorchScriptClassifier(m, in, -1, null);
    int classes;
    try (NDManager step = m.getNDManager().newSubManager()) {
      classes = (int) probe.logits(new float[probe.inputDim], 1, step).getShape().get(1);
    } catch (RuntimeException e) {
      m.close();
      throw new IOException(file + " has no TorchScript method '" + METHOD + "(x) -> [B, classes]': " + e.getMessage(),
          e);
    }
    return new TorchScriptClassifier(m, in, classes, name + "." + METHOD + " (" + classes + " classes, sha256 "
        + actual.substring(0, 12) + "…)");
  }

  @Override
  public int classes() {
    return classes;
  }

  @Override
  public synchronized int[] classify(float[] x, int batch) {
    try (NDManager step = model.getNDManager().newSubManager()) {
      float[] z = logitsOf(x, batch, step); // [B, classes]
      int[] out = new int[batch];
      for (int b = 0; b < batch; b++) {
        int best = 0;
        for (int k = 1; k < classes; k++) {
          if (z[b * classes + k] > z[b * classes + best]) {
            best = k;
          }
        }
        out[b] = best;
      }
      return out;
    }
  }

  /**
   * @param x inputs, [batch, d]
   * @param batch rows
   * @return the logits, [batch, classes] row-major
   */
  public synchronized float[] logits(float[] x, int batch) {
    try (NDManager step = model.getNDManager().newSubManager()) {
      return logitsOf(x, batch, step);
    }
  }

  private float[] logitsOf(float[] x, int batch, NDManager step) {
    NDArray y = logits(x, batch, step);
    if (classes > 0 && !y.getShape().equals(new Shape(batch, classes))) {
      throw new IllegalStateException(METHOD + " returned " + y.getShape() + ", expected (" + batch + ", " + classes + ")");
    }
    return y.toType(DataType.FLOAT32, false).toFloatArray();
  }

  private NDArray logits(float[] x, int batch, NDManager step) {
    if (x.length != batch * inputDim) {
      throw new IllegalArgumentException("expected " + batch + "×" + inputDim + " values, got " + x.length);
    }
    long[] dims = new long[inputShape.length + 1];
    dims[0] = batch;
    System.arraycopy(inputShape, 0, dims, 1, inputShape.length);
    PtNDArray xs = (PtNDArray) step.create(x, new Shape(dims)); // [B, *inputShape]
    PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
    try (IValue in = IValue.from(xs); IValue out = IValueUtils.runMethod(block, METHOD, in)) {
      NDArray y = out.toTensor((PtNDManager) step);
      if (y.getShape().dimension() != 2 || y.getShape().get(0) != batch) {
        throw new IllegalStateException(METHOD + " returned " + y.getShape() + " for " + batch + " rows");
      }
      return y;
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
