package dev.dpm.core.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.dpm.core.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A {@link NoisePredictor} over a TorchScript file, run by DJL's PyTorch engine (libtorch 2.7.1),
 * offline.
 *
 * <p>Network contract: {@code forward(x: float32 [B, *sampleShape], t: float32 [B]) -> float32
 * [B, *sampleShape]}, where {@code t} is {@link TimeInput#networkTime(double, int)} of the row's
 * step index. The output is converted to ε by {@link PredictionType#toEps} — the one place where
 * x₀- and v-networks become ε-networks.
 *
 * <p>Memory: every {@link #predictEps} call opens one sub-{@link NDManager} of the model's manager
 * (try-with-resources) that owns the input, time and output tensors; the result leaves as a host
 * {@code float[]}, so no native memory outlives the call and nothing is computed in place on
 * network outputs.
 *
 * <p>Batch independence (the determinism rule): on CPU, libtorch's matrix kernels process rows in
 * blocks, and the rows of an incomplete block at the end of a batch take a different code path
 * that rounds differently (measured on this project's machines for every bundled network and test
 * fixture: with 2 intra-op threads a row's ε is bit-identical across batch sizes that are multiples
 * of 4 or at least 12, and differs by ~1e-7 relative otherwise; with 1 thread from 4 rows on). So
 * every evaluation is padded with zero rows up to a multiple of {@link #batchQuantum()} (default
 * {@value #DEFAULT_BATCH_QUANTUM}, system property {@value #BATCH_QUANTUM_PROPERTY}; 1 turns it
 * off), which makes a row's ε independent of how many rows share its evaluation: a job batched
 * with others gives the same bytes as the job alone. The cost is at most quantum − 1 extra rows per
 * evaluation. {@code TorchScriptBatchIndependenceTest} checks it for every bundled network.
 *
 * <p>Thread-safety: instances are thread-safe; {@link #predictEps} is {@code synchronized}, so
 * concurrent callers are served one batch at a time (libtorch uses its own intra-op threads for each
 * call). The server gives each model and device one engine thread anyway.
 */
public final class TorchScriptPredictor implements NoisePredictor {
  static {
    // DJL must never try to download an engine or a model: the native libraries come from the
    // pytorch-native jar on the class path. Respect an explicit setting.
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }

  /** System property overriding the batch quantum. */
  public static final String BATCH_QUANTUM_PROPERTY = "dpm.batch.quantum";

  /** Evaluations are padded to a multiple of this many rows unless the property says otherwise. */
  public static final int DEFAULT_BATCH_QUANTUM = 4;

  private final Model model;
  private final int batchQuantum;
  private final int[] sampleShape; // e.g. [1, 28, 28]
  private final long[] batchShapeTail; // sampleShape as long[] for Shape
  private final int dimension;
  private final PredictionType prediction;
  private final TimeInput timeInput;
  private final NoiseSchedule schedule;
  private final Device device;
  private boolean closed;

  /**
   * Loads a TorchScript file.
   *
   * @param file the TorchScript file ({@code .pt}, saved by {@code torch.jit.save})
   * @param sampleShape the shape of one sample, e.g. [1, 28, 28] or [2]
   * @param prediction what the network outputs
   * @param timeInput how the network reads time
   * @param schedule the model's noise schedule (N, and ᾱ for the ε conversion)
   * @param device where to run ({@link Device#cpu()} or {@link Device#gpu()}); null means CPU
   * @throws IOException if the file is missing or not a TorchScript module libtorch can load
   */
  public TorchScriptPredictor(
      Path file,
      int[] sampleShape,
      PredictionType prediction,
      TimeInput timeInput,
      NoiseSchedule schedule,
      Device device)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("TorchScript file not found: " + file);
    }
    this.sampleShape = sampleShape.clone();
    this.batchShapeTail = Arrays.stream(sampleShape).asLongStream().toArray();
    this.dimension = Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
    this.prediction = prediction;
    this.timeInput = timeInput;
    this.schedule = schedule;
    this.device = device == null ? Device.cpu() : device;
    this.batchQuantum = quantumFromProperty();
    if (this.device.isGpu()) {
      int gpus = Engine.getEngine("PyTorch").getGpuCount();
      if (gpus <= this.device.getDeviceId()) {
        throw new IOException("device " + this.device + " requested but the PyTorch engine sees " + gpus
            + " GPU(s) (CPU build of libtorch? build with mvn -Ppytorch-cuda on a CUDA host)");
      }
    }
    String fileName = file.getFileName().toString();
    Model m = Model.newInstance(fileName, this.device, "PyTorch");
    try {
      Path dir = file.toAbsolutePath().getParent();
      // mapLocation: load tensors saved on a GPU onto the chosen device
      m.load(dir, fileName, Map.of("mapLocation", "true"));
    } catch (MalformedModelException | RuntimeException e) {
      m.close();
      throw new IOException("cannot load TorchScript file " + file + ": " + firstSentence(e.getMessage()), e);
    } catch (IOException e) {
      m.close();
      throw e;
    }
    this.model = m;
  }

  /**
   * Opens the TorchScript network named by a manifest (no hash check; {@code ModelLoader} does that).
   *
   * @param spec the manifest (kind torchscript)
   * @param schedule the schedule built from the manifest
   * @param device CPU or GPU; null means CPU
   * @return the predictor
   * @throws IOException if the file cannot be loaded
   */
  public static TorchScriptPredictor open(ModelSpec spec, NoiseSchedule schedule, Device device)
      throws IOException {
    if (spec.kind() != ModelKind.TORCHSCRIPT || spec.file() == null) {
      throw new IllegalArgumentException("model '" + spec.name() + "' is not a TorchScript model");
    }
    return new TorchScriptPredictor(spec.dir().resolve(spec.file()), spec.sampleShape(),
        spec.prediction(), spec.timeInput(), schedule, device);
  }

  @Override
  public synchronized float[] predictEps(float[] x, double[] time, int batch) {
    if (closed) {
      throw new IllegalStateException("predictor is closed");
    }
    if (x.length != batch * dimension || time.length < batch) {
      throw new IllegalArgumentException("expected x of " + batch + "×" + dimension
          + " values and " + batch + " times, got " + x.length + " and " + time.length);
    }
    int steps = schedule.steps();
    int padded = (batch + batchQuantum - 1) / batchQuantum * batchQuantum; // rows sent: whole blocks
    float[] t = new float[padded]; // [P], the network's time input (padding rows: t of row 0)
    for (int i = 0; i < padded; i++) {
      t[i] = (float) timeInput.networkTime(time[i < batch ? i : 0], steps);
    }
    float[] xp = padded == batch ? x : Arrays.copyOf(x, padded * dimension); // [P, d], zero rows appended
    long[] dims = new long[batchShapeTail.length + 1];
    dims[0] = padded;
    System.arraycopy(batchShapeTail, 0, dims, 1, batchShapeTail.length);
    float[] out;
    try (NDManager step = model.getNDManager().newSubManager()) {
      NDArray xs = step.create(xp, new Shape(dims)); // [P, *sampleShape]
      NDArray ts = step.create(t, new Shape(padded)); // [P]
      NDList result = model.getBlock().forward(new ParameterStore(step, false), new NDList(xs, ts), false);
      NDArray y = result.singletonOrThrow();
      if (!y.getShape().equals(new Shape(dims))) {
        throw new IllegalStateException("network returned shape " + y.getShape() + ", expected "
            + new Shape(dims) + " (forward(x [B, *shape], t [B]) -> [B, *shape])");
      }
      out = y.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(); // [P*d], host
    }
    if (padded != batch) {
      out = Arrays.copyOf(out, batch * dimension); // [B*d], the padding rows dropped
    }
    if (prediction != PredictionType.EPS) {
      for (int i = 0; i < batch; i++) {
        double alphaBar = Math.exp(schedule.logAlphaBarAt(time[i]));
        prediction.toEps(out, i * dimension, x, dimension, alphaBar);
      }
    }
    return out;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  /** @return the row multiple every evaluation is padded to (1 = no padding) */
  public int batchQuantum() {
    return batchQuantum;
  }

  private static int quantumFromProperty() {
    String v = System.getProperty(BATCH_QUANTUM_PROPERTY);
    if (v == null || v.isBlank()) {
      return DEFAULT_BATCH_QUANTUM;
    }
    try {
      int q = Integer.parseInt(v.strip());
      if (q >= 1 && q <= 1024) {
        return q;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException(BATCH_QUANTUM_PROPERTY + " must be an integer in [1, 1024], got '" + v + "'");
  }

  /** @return the shape of one sample, e.g. [1, 28, 28] */
  public int[] sampleShape() {
    return sampleShape.clone();
  }

  /** @return the device the network runs on */
  public Device device() {
    return device;
  }

  /**
   * Diagnostic for leak tests: the number of NDArrays still attached to the model's manager tree
   * (weights included). It must stay flat across {@link #predictEps} calls.
   *
   * @return the count
   */
  public synchronized int liveArrays() {
    return model.getNDManager().getManagedArrays().size();
  }

  /** libtorch messages can run to pages; keep their first sentence (at most 300 characters). */
  private static String firstSentence(String msg) {
    if (msg == null) {
      return "(no message)";
    }
    String m = msg.strip();
    int cut = m.indexOf(". ");
    if (cut > 0) {
      m = m.substring(0, cut + 1);
    }
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }
}
