package dev.dpm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dpm.core.model.PredictionType;
import dev.dpm.core.model.TimeInput;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.runtime.model.DiffusersConfig;
import dev.dpm.runtime.model.LoadedModel;
import dev.dpm.runtime.model.ModelLoader;
import dev.dpm.runtime.model.ModelSpec;
import dev.dpm.runtime.model.ScheduleSpec;
import dev.dpm.runtime.model.TimeDType;
import dev.dpm.runtime.model.TorchScriptPredictor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm import SRC --out DIR}: turns a TorchScript network with a diffusers
 * {@code scheduler_config.json} (or {@code --schedule} flags) into a model folder. It reads the
 * config ({@link DiffusersConfig}, refusing what it cannot honour), probes the network (float32, then
 * int64 time; the output shape; whether t = N is out of range), computes the SHA-256, copies the files,
 * writes {@code model.json}, loads the result through the same checks as every command, and prints
 * each decision with its reason (docs/models.md).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Write a model folder (model.json) for a TorchScript network and its diffusers scheduler_config.json.")
public final class ImportCommand implements Callable<Integer> {
  private static final List<String> NET_SUFFIXES = List.of(".pt", ".pth", ".ts", ".torchscript", ".jit");

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SRC",
      description = "A folder holding one TorchScript file and scheduler_config.json (also scheduler/scheduler_config.json), or the TorchScript file.")
  Path src;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "The model folder to write (may be SRC).")
  Path out;

  @Option(names = "--name", paramLabel = "N", description = "Model name (default: DIR's folder name).")
  String name;

  @Option(names = "--sample-shape", split = ",", paramLabel = "C,H,W",
      description = "Shape of one sample (default: in_channels and sample_size of a diffusers config.json / unet/config.json).")
  int[] sampleShape;

  @Option(names = "--file", paramLabel = "F", description = "The TorchScript file in SRC when there are several.")
  String file;

  @Option(names = "--schedule", paramLabel = "linear|cosine|scaled-linear",
      description = "Schedule when SRC has no scheduler_config.json (with --steps and --prediction).")
  String schedule;

  @Option(names = "--steps", defaultValue = "1000", paramLabel = "N", description = "N with --schedule (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--prediction", paramLabel = "eps|x0|v", description = "Network output with --schedule (default eps).")
  String prediction;

  @Option(names = "--time-input", paramLabel = "index-minus-one|index|scaled-1000|continuous",
      description = "Time convention (default index-minus-one, diffusers' t = n − 1).")
  String timeInput;

  @Option(names = "--time-dtype", paramLabel = "float32|int64", description = "Skip the dtype probe.")
  String timeDType;

  @Option(names = "--eight-bit", description = "The data are 8-bit images scaled to the data range.")
  boolean eightBit;

  @Option(names = "--force", description = "Overwrite an existing model.json and files in DIR.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    PrintWriter o = spec.commandLine().getOut();
    Path srcDir = Files.isDirectory(src) ? src : src.toAbsolutePath().getParent();
    if (!Files.exists(src)) {
      throw new UsageError("SRC " + src + " does not exist");
    }
    Path net = Files.isDirectory(src) ? findNetwork(srcDir) : src;
    Path cfgFile = Stream.of(srcDir.resolve("scheduler_config.json"), srcDir.resolve("scheduler").resolve("scheduler_config.json"))
        .filter(Files::isRegularFile).findFirst().orElse(null);
    if (cfgFile != null && schedule != null) {
      throw new UsageError("--schedule: " + cfgFile + " already gives the schedule; give one of them");
    }
    if (cfgFile == null && schedule == null) {
      throw new UsageError("no scheduler_config.json in " + srcDir + " (nor scheduler/); give --schedule linear|cosine|scaled-linear");
    }
    String modelName = name != null ? name : out.toAbsolutePath().normalize().getFileName().toString();
    if (!modelName.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new UsageError("--name: '" + modelName + "' is not a model name (letters, digits, . _ -)");
    }
    Files.createDirectories(out);
    if (Files.exists(out.resolve("model.json")) && !force) {
      throw new UsageError(out.resolve("model.json") + " exists; --force overwrites it");
    }
    List<String> said = new ArrayList<>();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", modelName);
    m.put("description", "imported from " + src.toAbsolutePath().normalize());
    m.put("kind", "torchscript");

    // the network and the schedule
    Path netDst = copy(net, out.resolve(net.getFileName().toString()));
    m.put("file", netDst.getFileName().toString());
    String sha = ModelLoader.sha256(netDst);
    m.put("sha256", sha);
    said.add("network: " + netDst + " (SHA-256 " + sha + ")");
    NoiseSchedule sched;
    PredictionType pred;
    if (cfgFile != null) {
      DiffusersConfig cfg;
      try {
        cfg = DiffusersConfig.read(cfgFile);
      } catch (IOException e) {
        throw new UsageError(e.getMessage(), e);
      }
      copy(cfgFile, out.resolve("scheduler_config.json"));
      m.put("schedule", Map.of("type", "diffusers", "config", "scheduler_config.json"));
      sched = cfg.schedule();
      pred = cfg.prediction();
      said.add("schedule: " + cfgFile + ": N = " + cfg.steps() + ", beta_schedule " + cfg.betaSchedule()
          + (cfg.rescaleZeroSnr() ? ", rescaled to zero terminal SNR (ᾱ_N = " + (float) sched.alphaBar(sched.steps()) + ")" : ""));
      said.add("prediction: " + pred.wire() + " (prediction_type; converted to ε by the predictor)");
      said.add("data range: " + (cfg.dataRange().bounded() ? "[" + cfg.dataRange().low() + ", " + cfg.dataRange().high()
          + "] (clip_sample, clip_sample_range: x̂₀ is clamped to it)" : "unbounded (clip_sample false)"));
      said.add("default trajectory: " + SamplerSettings.wireName(cfg.spacing()) + " (timestep_spacing)"
          + (cfg.stepsOffset() != 0 ? " with steps_offset " + cfg.stepsOffset() : ""));
      cfg.notes().forEach(n -> said.add("note: " + n));
    } else {
      ScheduleSpec ss;
      try {
        ss = ScheduleSpec.parse(new ObjectMapper().createObjectNode().put("type", schedule).put("steps", steps));
        sched = ss.build(out);
        pred = PredictionType.parse(prediction == null ? "eps" : prediction);
      } catch (IllegalArgumentException e) {
        throw new UsageError("--schedule/--prediction: " + e.getMessage(), e);
      }
      m.put("schedule", Map.of("type", schedule, "steps", steps));
      m.put("prediction", pred.wire());
      said.add("schedule: " + schedule + ", N = " + steps + " (--schedule)");
      said.add("prediction: " + pred.wire() + (prediction == null ? " (default)" : " (--prediction)"));
    }

    int[] shape = sampleShape != null ? sampleShape : shapeFromUnetConfig(srcDir, said);
    if (shape == null) {
      throw new UsageError("--sample-shape is required: a TorchScript file does not record its input shape"
          + " and no diffusers config.json (in_channels, sample_size) was found in " + srcDir);
    }
    m.put("sampleShape", shape);
    TimeInput ti;
    try {
      ti = TimeInput.parse(timeInput == null ? "index-minus-one" : timeInput);
    } catch (IllegalArgumentException e) {
      throw new UsageError("--time-input: " + e.getMessage(), e);
    }
    m.put("timeInput", ti.wire());
    TimeDType dtype = probe(netDst, shape, pred, ti, sched, said);
    m.put("timeDType", dtype.wire());
    m.put("eightBit", eightBit);
    m.put("provenance", Map.of("importedFrom", src.toAbsolutePath().normalize().toString(),
        "importedAt", Instant.now().toString(), "by", "./dpm import"));
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    om.writeValue(out.resolve("model.json").toFile(), m);

    // the result must pass the checks every command applies
    try (LoadedModel lm = ModelLoader.load(ModelLoader.readFolder(out), null)) {
      said.add("checked: " + out.resolve("model.json") + " loads (" + lm.spec().dimension() + " values per sample)");
    } catch (IOException e) {
      throw new UsageError("the written model.json does not load: " + e.getMessage(), e);
    }
    said.forEach(o::println);
    o.println("wrote " + out.resolve("model.json") + "; try: ./dpm sample --model " + out
        + " --sampler ddim --steps 50 --n 16 --out samples" + (shape.length == 3 && eightBit ? ".png" : ".npy"));
    return 0;
  }

  private Path findNetwork(Path dir) throws IOException {
    if (file != null) {
      Path f = dir.resolve(file);
      if (!Files.isRegularFile(f)) {
        throw new UsageError("--file: " + f + " does not exist");
      }
      return f;
    }
    List<Path> nets;
    try (Stream<Path> s = Files.list(dir)) {
      nets = s.filter(Files::isRegularFile)
          .filter(p -> NET_SUFFIXES.stream().anyMatch(x -> p.getFileName().toString().endsWith(x))).sorted().toList();
    }
    if (nets.isEmpty()) {
      throw new UsageError("no TorchScript file (" + String.join(", ", NET_SUFFIXES) + ") in " + dir
          + "; export one with torch.jit.trace/script and torch.jit.save (training/export_diffusers_unet.py)");
    }
    if (nets.size() > 1) {
      throw new UsageError("several TorchScript files in " + dir + " (" + nets.stream().map(p -> p.getFileName().toString())
          .reduce((a, b) -> a + ", " + b).orElse("") + "); choose one with --file");
    }
    return nets.get(0);
  }

  private Path copy(Path from, Path to) throws IOException {
    if (Files.exists(to) && Files.isSameFile(from, to)) {
      return to;
    }
    if (Files.exists(to) && !force) {
      throw new UsageError(to + " exists; --force overwrites it");
    }
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    return to;
  }

  /** [in_channels, sample_size, sample_size] from a diffusers model config, or null. */
  private static int[] shapeFromUnetConfig(Path dir, List<String> said) throws IOException {
    for (Path p : List.of(dir.resolve("config.json"), dir.resolve("unet").resolve("config.json"))) {
      if (!Files.isRegularFile(p)) {
        continue;
      }
      JsonNode c = new ObjectMapper().readTree(p.toFile());
      JsonNode size = c.path("sample_size");
      if (!c.has("in_channels") || size.isMissingNode()) {
        continue;
      }
      int h = size.isArray() ? size.get(0).asInt() : size.asInt();
      int w = size.isArray() ? size.get(1).asInt() : size.asInt();
      int[] shape = {c.path("in_channels").asInt(), h, w};
      said.add("sample shape: " + Arrays.toString(shape) + " (in_channels, sample_size of " + p + ")");
      return shape;
    }
    return null;
  }

  /** Finds the time dtype the network runs with, and what a t = N call says about the convention. */
  private TimeDType probe(Path net, int[] shape, PredictionType pred, TimeInput ti, NoiseSchedule sched,
      List<String> said) {
    List<TimeDType> tries = timeDType != null ? List.of(parseDType()) : List.of(TimeDType.FLOAT32, TimeDType.INT64);
    List<String> failures = new ArrayList<>();
    for (TimeDType d : tries) {
      try (TorchScriptPredictor p = new TorchScriptPredictor(net, shape, pred, ti, d, sched, null)) {
        said.add("time dtype: " + d.wire() + (timeDType != null ? " (--time-dtype)"
            : failures.isEmpty() ? " (the network runs on float32 t)" : " (" + failures.get(0) + ")"));
        said.add("output: [B, " + Arrays.toString(shape).replaceAll("[\\[\\]]", "") + "] as input (probed; "
            + (!p.batchIndependent() ? "rows depend on their batch here"
            : p.batchQuantum() == 1 ? "rows independent of their batch"
            : "rows padded to multiples of " + p.batchQuantum() + " to be independent of their batch") + ")");
        said.add("time convention: " + ti.wire() + conventionProbe(p, shape, sched.steps(), ti));
        return d;
      } catch (IOException e) {
        failures.add(d.wire() + " t fails: " + e.getMessage().replaceFirst("^.*?: (?=\\S+Error)", ""));
      }
    }
    throw new UsageError("the network does not run as forward(x float32 [B, " + Arrays.toString(shape)
        .replaceAll("[\\[\\]]", "") + "], t [B]): " + String.join("; ", failures));
  }

  private TimeDType parseDType() {
    try {
      return TimeDType.parse(timeDType);
    } catch (IllegalArgumentException e) {
      throw new UsageError("--time-dtype: " + e.getMessage(), e);
    }
  }

  /** Calls the network one step past the end: an N-entry time table rejects it. */
  private static String conventionProbe(TorchScriptPredictor p, int[] shape, int n, TimeInput ti) {
    if (ti != TimeInput.INDEX_MINUS_ONE) {
      return " (--time-input)";
    }
    int d = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    try {
      p.predictEps(new float[d], new double[] {n + 1}, 1); // network time t = N
      return " (diffusers' t = n − 1 ∈ [0, N−1]; the network also accepts t = N, so a probe cannot tell"
          + " this from index; give --time-input if it was trained otherwise)";
    } catch (RuntimeException e) {
      return " (confirmed: t = N is out of range, an N-entry time table t ∈ [0, N−1])";
    }
  }
}
