package dev.dpm.runtime.model;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.model.Prediction;
import dev.dpm.core.model.PredictionType;
import dev.dpm.core.model.SecondHead;
import dev.dpm.core.model.TimeInput;
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
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link NoisePredictor} over a TorchScript file, run by DJL's PyTorch engine (libtorch 2.7.1),
 * offline.
 *
 * <p>Network contract: {@code forward(x: float32 [B, *sampleShape], t: float32 [B] or int64 [B]) ->
 * float32 [B, *sampleShape]}, where {@code t} is {@link TimeInput#networkTime(double, int)} of the
 * row's step index, in the manifest's {@link TimeDType} (int64: rounded half-even). The output is converted to ε by {@link PredictionType#toEps} — the one place where
 * x₀- and v-networks become ε-networks. A network with second heads (the manifest's {@code outputs},
 * {@link NetworkOutputs}) returns a tuple of such tensors, the prediction first; {@link #predictEps}
 * uses the first, {@link #predict} also hands back the heads asked for (as the network gives them).
 * A class-conditional network (manifest {@code conditioning}) is {@code forward(x, t, y: int64 [B])};
 * {@link LabelledTorchScript} presents it as a {@link dev.dpm.core.model.ConditionalPredictor}.
 *
 * <p>Memory: every {@link #predictEps} call opens one sub-{@link NDManager} of the model's manager
 * (try-with-resources) that owns the input, time and output tensors; the result leaves as a host
 * {@code float[]}, so no native memory outlives the call and nothing is computed in place on
 * network outputs.
 *
 * <p>Batch independence (the determinism rule): on CPU, libtorch's kernels choose their code path by
 * batch size, and rows of differently sized batches can round differently. The pattern depends on
 * the CPU and the thread count (measured for every bundled network and test fixture: on an AMD EPYC
 * with 2 intra-op threads, batches that are multiples of 4 or at least 12 rows agree and others
 * differ by ~1e-7 relative; on an Intel Xeon the classes were 1 | 2 | 3–15 | ≥ 16 rows). So at load
 * a probe ({@link #probeQuantum()}) finds the smallest quantum q ∈ {1, 2, 4, 8, 16, 32} for which
 * batches of q, 2q and 3q rows reproduce a batch of {@value #PROBE_ROWS} bit for bit, and every
 * evaluation is padded with zero rows up to a multiple of q ({@link #batchQuantum()}; system
 * property {@value #BATCH_QUANTUM_PROPERTY} fixes q and skips the probe, 1 turns padding off). A
 * row's ε is then independent of how many rows share its evaluation: a job batched with others
 * gives the same bytes as the job alone. The cost is at most q − 1 extra rows per evaluation, and
 * the probe's few hundred rows once per load. {@code BundledModelsTest} checks it for every
 * bundled network.
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

  /** Row quanta tried by the load-time probe, smallest first. */
  static final int[] QUANTA = {1, 2, 4, 8, 16, 32};

  /** Rows of the probe's reference batch (a multiple of every quantum). */
  static final int PROBE_ROWS = 96;

  private final Model model;
  private final int batchQuantum;
  private final boolean batchIndependent;
  private final int[] sampleShape; // e.g. [1, 28, 28]
  private final long[] batchShapeTail; // sampleShape as long[] for Shape
  private final int dimension;
  private final PredictionType prediction;
  private final TimeInput timeInput;
  private final TimeDType timeDType;
  private final NoiseSchedule schedule;
  private final Device device;
  private final NetworkOutputs outputs;
  private final Long nullLabel; // non-null: forward(x, t, y) with y int64 [B]
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
    this(file, sampleShape, prediction, timeInput, TimeDType.FLOAT32, schedule, device);
  }

  /**
   * Loads a TorchScript file whose time input has the given dtype.
   *
   * @param file the TorchScript file ({@code .pt}, saved by {@code torch.jit.save})
   * @param sampleShape the shape of one sample, e.g. [1, 28, 28] or [2]
   * @param prediction what the network outputs
   * @param timeInput how the network reads time
   * @param timeDType float32 or int64 time tensor
   * @param schedule the model's noise schedule (N, and ᾱ for the ε conversion)
   * @param device where to run; null means CPU
   * @throws IOException if the file is missing, not loadable, or does not run on the declared
   *     shapes and dtypes (the message carries libtorch's own error line)
   */
  public TorchScriptPredictor(
      Path file,
      int[] sampleShape,
      PredictionType prediction,
      TimeInput timeInput,
      TimeDType timeDType,
      NoiseSchedule schedule,
      Device device)
      throws IOException {
    this(file, sampleShape, prediction, timeInput, timeDType, schedule, device, NetworkOutputs.single(prediction));
  }

  /**
   * Loads a TorchScript file that returns the given outputs (a tuple when there are second heads).
   *
   * @param file the TorchScript file
   * @param sampleShape the shape of one sample (and of every output)
   * @param prediction what the network's first output is
   * @param timeInput how the network reads time
   * @param timeDType float32 or int64 time tensor
   * @param schedule the model's noise schedule
   * @param device where to run; null means CPU
   * @param outputs what the network returns ({@code outputs[0]} is the prediction)
   * @throws IOException if the file is missing, not loadable, or does not run on the declared shapes,
   *     dtypes and outputs
   */
  public TorchScriptPredictor(
      Path file,
      int[] sampleShape,
      PredictionType prediction,
      TimeInput timeInput,
      TimeDType timeDType,
      NoiseSchedule schedule,
      Device device,
      NetworkOutputs outputs)
      throws IOException {
    this(file, sampleShape, prediction, timeInput, timeDType, schedule, device, outputs, null);
  }

  /**
   * Loads a TorchScript file, class-conditional when {@code nullLabel} is given: then the network is
   * {@code forward(x, t, y)} with y int64 [B], and rows without a label (and padding rows) get the null label.
   *
   * @param file the TorchScript file
   * @param sampleShape the shape of one sample
   * @param prediction what the network's first output is
   * @param timeInput how the network reads time
   * @param timeDType float32 or int64 time tensor
   * @param schedule the model's noise schedule
   * @param device where to run; null means CPU
   * @param outputs what the network returns
   * @param nullLabel the unconditional label of a conditional network, or null for {@code forward(x, t)}
   * @throws IOException if the file is missing, not loadable, or does not run on the declared inputs
   */
  public TorchScriptPredictor(
      Path file,
      int[] sampleShape,
      PredictionType prediction,
      TimeInput timeInput,
      TimeDType timeDType,
      NoiseSchedule schedule,
      Device device,
      NetworkOutputs outputs,
      Long nullLabel)
      throws IOException {
    this.outputs = outputs;
    this.nullLabel = nullLabel;
    if (!Files.isRegularFile(file)) {
      throw new IOException("TorchScript file not found: " + file);
    }
    this.sampleShape = sampleShape.clone();
    this.batchShapeTail = Arrays.stream(sampleShape).asLongStream().toArray();
    this.dimension = Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
    this.prediction = prediction;
    this.timeInput = timeInput;
    this.timeDType = timeDType;
    this.schedule = schedule;
    this.device = device == null ? Device.cpu() : device;
    if (this.device.isGpu()) {
      int gpus = Engine.getEngine("PyTorch").getGpuCount();
      if (gpus <= this.device.getDeviceId()) {
        throw new IOException("device " + this.device + " requested but the PyTorch engine sees " + gpus
            + " GPU(s) (CPU build of libtorch? build with mvn -Ppytorch-cuda on a CUDA host)");
      }
    }
    Integer fixed = quantumFromProperty(); // before loading: a bad value must not leak the model
    String fileName = file.getFileName().toString();
    Model m = Model.newInstance(fileName, this.device, "PyTorch");
    try {
      Path dir = file.toAbsolutePath().getParent();
      // mapLocation: load tensors saved on a GPU onto the chosen device
      m.load(dir, fileName, Map.of("mapLocation", "true"));
    } catch (MalformedModelException | RuntimeException e) {
      m.close();
      throw new IOException("cannot load TorchScript file " + file + ": " + TorchErrors.rootCause(e), e);
    } catch (IOException e) {
      m.close();
      throw e;
    }
    this.model = m;
    if (fixed != null) {
      this.batchQuantum = fixed;
      this.batchIndependent = true;
    } else {
      int q;
      try {
        q = probeQuantum(); // also the first call: a network that rejects its declared shape fails here
      } catch (RuntimeException e) {
        m.close();
        throw new IOException("TorchScript file " + file + " does not run on x float32 [B, "
            + Arrays.toString(sampleShape).replaceAll("[\\[\\]]", "") + "], t " + timeDType.wire() + " [B]"
            + (nullLabel == null ? "" : ", y int64 [B]") + ": "
            + TorchErrors.rootCause(e), e);
      }
      this.batchQuantum = Math.max(1, q);
      this.batchIndependent = q > 0;
    }
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
        spec.prediction(), spec.timeInput(), spec.timeDType(), schedule, device, spec.outputs(),
        spec.conditioning() == null ? null : (long) spec.conditioning().nullLabel());
  }

  @Override
  public float[] predictEps(float[] x, double[] time, int batch) {
    return predictEps(x, time, null, batch);
  }

  /** @return the null label of a conditional network, or null for an unconditional one */
  public Long nullLabel() {
    return nullLabel;
  }

  /**
   * Predicts ε for labelled rows (a conditional network; see {@link #nullLabel()}).
   *
   * @param x inputs, [batch, d]
   * @param time step indices, [batch]
   * @param labels per-row labels, [batch], or null for the null label (unconditional networks: must be null)
   * @param batch rows
   * @return ε, [batch, d]
   */
  public synchronized float[] predictEps(float[] x, double[] time, long[] labels, int batch) {
    if (labels != null && nullLabel == null) {
      throw new IllegalArgumentException("this network takes no class labels");
    }
    if (closed) {
      throw new IllegalStateException("predictor is closed");
    }
    if (x.length != batch * dimension || time.length < batch) {
      throw new IllegalArgumentException("expected x of " + batch + "×" + dimension
          + " values and " + batch + " times, got " + x.length + " and " + time.length);
    }
    int padded = (batch + batchQuantum - 1) / batchQuantum * batchQuantum; // rows sent: whole blocks
    float[] out;
    long[] y = null; // [P], the labels sent (conditional networks); padding rows get the null label
    if (nullLabel != null && labels != null) {
      y = new long[padded];
      Arrays.fill(y, nullLabel);
      System.arraycopy(labels, 0, y, 0, batch);
    }
    if (padded == batch) {
      out = forward(x, time, y, batch);
    } else {
      float[] xp = Arrays.copyOf(x, padded * dimension); // [P, d], zero rows appended
      double[] tp = new double[padded]; // [P], padding rows at the time of row 0
      for (int i = 0; i < padded; i++) {
        tp[i] = time[i < batch ? i : 0];
      }
      out = Arrays.copyOf(forward(xp, tp, y, padded), batch * dimension); // [B*d], the padding rows dropped
    }
    if (prediction != PredictionType.EPS) {
      for (int i = 0; i < batch; i++) {
        double alphaBar = Math.exp(schedule.logAlphaBarAt(time[i]));
        prediction.toEps(out, i * dimension, x, dimension, alphaBar);
      }
    }
    return out;
  }

  /** @return the second heads of the manifest's {@code outputs} */
  @Override
  public Set<SecondHead> secondHeads() {
    return outputs.heads();
  }

  @Override
  public Prediction predict(float[] x, double[] time, int batch, Set<SecondHead> heads) {
    return predict(x, time, null, batch, heads);
  }

  /**
   * Predicts ε and the asked-for second heads for labelled rows in one call (a conditional network with
   * heads; padding rows get the null label, as in {@link #predictEps(float[], double[], long[], int)}).
   *
   * @param x inputs, [batch, d]
   * @param time step indices, [batch]
   * @param labels per-row labels, [batch], or null for the null label (unconditional networks: must be null)
   * @param batch rows
   * @param heads the heads wanted (listed in the manifest's outputs)
   * @return ε and the heads, each [batch, d]
   */
  public synchronized Prediction predict(float[] x, double[] time, long[] labels, int batch, Set<SecondHead> heads) {
    if (heads.isEmpty()) {
      return new Prediction(predictEps(x, time, labels, batch), Map.of());
    }
    if (labels != null && nullLabel == null) {
      throw new IllegalArgumentException("this network takes no class labels");
    }
    if (closed) {
      throw new IllegalStateException("predictor is closed");
    }
    if (!outputs.heads().containsAll(heads)) {
      throw new UnsupportedOperationException("the network's outputs are " + outputs.names() + ", asked for " + heads);
    }
    if (x.length != batch * dimension || time.length < batch) {
      throw new IllegalArgumentException("expected x of " + batch + "×" + dimension
          + " values and " + batch + " times, got " + x.length + " and " + time.length);
    }
    int padded = (batch + batchQuantum - 1) / batchQuantum * batchQuantum; // as predictEps pads
    float[] xp = padded == batch ? x : Arrays.copyOf(x, padded * dimension);
    double[] tp = new double[padded];
    for (int i = 0; i < padded; i++) {
      tp[i] = time[i < batch ? i : 0];
    }
    long[] y = null; // [P], the labels sent; padding rows get the null label
    if (nullLabel != null && labels != null) {
      y = new long[padded];
      Arrays.fill(y, nullLabel);
      System.arraycopy(labels, 0, y, 0, batch);
    }
    float[][] all = forwardAll(xp, tp, y, padded); // [outputs][P*d]
    float[] eps = Arrays.copyOf(all[0], batch * dimension);
    if (prediction != PredictionType.EPS) {
      for (int i = 0; i < batch; i++) {
        prediction.toEps(eps, i * dimension, x, dimension, Math.exp(schedule.logAlphaBarAt(time[i])));
      }
    }
    Map<SecondHead, float[]> out = new EnumMap<>(SecondHead.class);
    for (SecondHead h : heads) {
      out.put(h, Arrays.copyOf(all[outputs.indexOf(h)], batch * dimension));
    }
    return new Prediction(eps, out);
  }

  /** One network call on exactly {@code batch} rows: the raw prediction, [B*d]. */
  private float[] forward(float[] x, double[] time, long[] labels, int batch) {
    return forwardAll(x, time, labels, batch)[0];
  }

  /** One network call on exactly {@code batch} rows: every raw output, [outputs][B*d]. */
  private float[][] forwardAll(float[] x, double[] time, long[] labels, int batch) {
    int steps = schedule.steps();
    float[] t = timeDType == TimeDType.FLOAT32 ? new float[batch] : null; // [B], the network's time input
    long[] ti = timeDType == TimeDType.INT64 ? new long[batch] : null; // [B], int64 networks
    for (int i = 0; i < batch; i++) {
      double v = timeInput.networkTime(time[i], steps);
      if (t != null) {
        t[i] = (float) v;
      } else {
        ti[i] = (long) Math.rint(v);
      }
    }
    long[] dims = new long[batchShapeTail.length + 1];
    dims[0] = batch;
    System.arraycopy(batchShapeTail, 0, dims, 1, batchShapeTail.length);
    try (NDManager step = model.getNDManager().newSubManager()) {
      NDArray xs = step.create(x, new Shape(dims)); // [B, *sampleShape]
      NDArray ts = t != null ? step.create(t, new Shape(batch)) : step.create(ti, new Shape(batch)); // [B]
      NDList in = new NDList(xs, ts);
      if (nullLabel != null) { // conditional: y int64 [B], the null label where none is given
        long[] y = labels;
        if (y == null) {
          y = new long[batch];
          Arrays.fill(y, nullLabel);
        }
        in.add(step.create(y, new Shape(batch)));
      }
      NDList result = model.getBlock().forward(new ParameterStore(step, false), in, false);
      if (result.size() != outputs.count()) {
        throw new IllegalStateException("network returned " + result.size() + " tensors, the manifest's outputs "
            + outputs.names() + " name " + outputs.count());
      }
      float[][] out = new float[result.size()][];
      for (int k = 0; k < out.length; k++) {
        NDArray y = result.get(k);
        if (!y.getShape().equals(new Shape(dims))) {
          throw new IllegalStateException("network output " + outputs.names().get(k) + " has shape " + y.getShape()
              + ", expected " + new Shape(dims) + " (forward(x [B, *shape], t [B]) -> [B, *shape])");
        }
        out[k] = y.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(); // [B*d], host
      }
      return out;
    }
  }

  /**
   * Finds the smallest row quantum q ∈ {@link #QUANTA} for which rows evaluated in batches of q, 2q
   * and 3q rows (at an unaligned offset) are bit-identical to the same rows in one batch of
   * {@value #PROBE_ROWS}: the padding that makes this network batch-independent on this machine
   * and thread count. Deterministic inputs; costs at most a few hundred rows, once per load.
   *
   * @return q, or 0 when no candidate gives identical rows (then no padding is applied)
   */
  private int probeQuantum() {
    int d = dimension;
    float[] x = new float[PROBE_ROWS * d]; // [R, d]
    double[] t = new double[PROBE_ROWS];
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(0x5EEDL);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rnd.nextDouble(-1.0, 1.0) + rnd.nextDouble(-1.0, 1.0));
    }
    for (int i = 0; i < PROBE_ROWS; i++) {
      t[i] = 1 + (i * 397L) % schedule.steps();
    }
    long[] y = null; // [R], conditional networks: labels 0, 1, … and the null label in turn
    if (nullLabel != null) {
      y = new long[PROBE_ROWS];
      for (int i = 0; i < PROBE_ROWS; i++) {
        y[i] = i % 3 == 2 ? nullLabel : i % Math.max(1, nullLabel);
      }
    }
    float[] want = forward(x, t, y, PROBE_ROWS);
    for (int q : QUANTA) {
      boolean same = true;
      for (int m = 1; m <= 3 && same; m++) {
        int b = m * q;
        int off = Math.min(5, PROBE_ROWS - b);
        float[] got = forward(Arrays.copyOfRange(x, off * d, (off + b) * d), Arrays.copyOfRange(t, off, off + b),
            y == null ? null : Arrays.copyOfRange(y, off, off + b), b);
        same = Arrays.equals(got, 0, b * d, want, off * d, (off + b) * d);
      }
      if (same) {
        return q;
      }
    }
    return 0;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  /** @return the row multiple every evaluation is padded to (1 = no padding) */
  public int batchQuantum() {
    return batchQuantum;
  }

  /**
   * @return false when the load-time probe found no padding that makes rows independent of their
   *     batch (then a row's ε may differ in the last bits between batch sizes); true when it did, or
   *     when the quantum was set by {@value #BATCH_QUANTUM_PROPERTY}
   */
  public boolean batchIndependent() {
    return batchIndependent;
  }

  private static Integer quantumFromProperty() {
    String v = System.getProperty(BATCH_QUANTUM_PROPERTY);
    if (v == null || v.isBlank()) {
      return null;
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

  /** @return the dtype of the time tensor */
  public TimeDType timeDType() {
    return timeDType;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }
}
