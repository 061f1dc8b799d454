package dev.dpm.server.jobs;

import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import dev.dpm.server.results.ImageRenderer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks a typed {@link JobRequest} against its model (server limits, output formats, the sampler's own validation,
 * the calibration data) and makes the job's spec, sampler or calibration plan; also rebuilds them for a stored job
 * at recovery.
 */
final class JobFactory {
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * What a job needs to run.
   *
   * @param model the model
   * @param spec the persisted spec
   * @param sampler the sampler (sample jobs)
   * @param plan the plan (calibration jobs)
   * @param n samples or calibration rows
   * @param seed seed
   * @param work rows of work (admission)
   * @param total steps shown in progress
   */
  record Prepared(ServedModel model, JsonObject spec, Sampler sampler, CalibrationPlan plan, int n, long seed,
      long work, int total) {}

  private final ServerConfig config;
  private final ModelRegistry models;
  private final JobService.SamplerFactory samplers;
  private final CalibrationData data;

  JobFactory(ServerConfig config, ModelRegistry models, JobService.SamplerFactory samplers) {
    this.config = config;
    this.models = models;
    this.samplers = samplers;
    this.data = new CalibrationData(config.calibrationDataDirs());
  }

  /** @return the prepared job, or throws its {@link Rejection} */
  Prepared prepare(JobRequest request) {
    if (request instanceof JobRequest.Sample s) {
      return sample(s);
    }
    return calibration((JobRequest.Calibration) request); // the only other permitted kind
  }

  private ServedModel model(JobRequest request) {
    ServedModel model = models.get(request.model());
    if (model != null) {
      return model;
    }
    if (request instanceof JobRequest.Calibration) {
      throw new Rejection.NotFound("model '" + request.model() + "'").toException();
    }
    List<String> names = models.all().stream().map(ServedModel::name).toList();
    throw Rejection.Invalid.of("model", "unknown model '" + request.model() + "' (one of "
        + String.join(", ", names) + ")").toException();
  }

  private Prepared sample(JobRequest.Sample r) {
    ServedModel model = model(r);
    List<Problem> problems = new ArrayList<>();
    if (r.n() > config.maxN()) {
      problems.add(new Problem("n", "at most " + config.maxN() + " samples per job on this server"));
    }
    if (r.outputs().contains("png") && !ImageRenderer.supports(model.spec().sampleShape(), model.spec().dataRange())) {
      problems.add(new Problem("outputs", "png needs an image model or a 2-D model; '" + model.name()
          + "' has sample shape " + Arrays.toString(model.spec().sampleShape())));
    }
    SamplerSettings settings = r.sampler();
    if (settings.steps() != null && settings.steps() > config.maxSteps()) {
      problems.add(new Problem("sampler.steps", "at most " + config.maxSteps() + " steps on this server"));
    }
    JobConditions labels = JobConditions.resolve(r, model, problems);
    ModelContext ctx = labels.context(model, settings, problems);
    Sampler sampler = null;
    if (problems.isEmpty()) {
      SamplerResult res = create(settings, model, ctx);
      if (res instanceof SamplerResult.Invalid inv) {
        for (Problem p : inv.problems()) {
          problems.add(new Problem(samplerField(p.field()), p.message()));
        }
      } else {
        sampler = ((SamplerResult.Ok) res).sampler();
      }
    }
    if (!problems.isEmpty()) {
      throw new Rejection.Invalid(problems).toException();
    }
    JsonObject spec = new JsonObject().put("sampler", SamplerJson.toJson(sampler.settings()))
        .put("outputs", new JsonArray(r.outputs())).put("previewEvery", r.previewEvery())
        .put("deadlineSeconds", r.deadlineSeconds()).put("priority", r.priority());
    labels.into(spec);
    long seed = r.seed() != null ? r.seed() : RANDOM.nextLong() & Long.MAX_VALUE;
    Integer steps = sampler.settings().steps();
    Double w = settings.guidance();
    long rows = Cost.work(r.n(), sampler.settings()) // true cost: every evaluation, and guided rows twice
        * (labels.labelled() && w != null && w != 0.0 && w != 1.0 ? 2 : 1);
    return new Prepared(model, spec, sampler, null, r.n(), seed, rows, steps == null ? 0 : steps);
  }

  private Prepared calibration(JobRequest.Calibration r) {
    ServedModel model = model(r);
    int n = r.samples();
    if (n > Math.max(config.maxN(), 100_000)) {
      throw Rejection.Invalid.of("samples", "at most " + Math.max(config.maxN(), 100_000)).toException();
    }
    if ((long) n * model.spec().dimension() > CalibrationPlan.MAX_VALUES) {
      throw Rejection.Invalid.of("samples", "samples × values per sample must be at most "
          + CalibrationPlan.MAX_VALUES + " (" + model.spec().dimension() + " values per sample)").toException();
    }
    Path dataFile = null;
    if (r.data() != null) {
      dataFile = data.resolve(r.data(), model);
    } else if (model.spec().mixture() == null) {
      throw Rejection.Invalid.of("data", "required for '" + model.name() + "': only oracle models can draw exact "
          + "samples; name an npy or IDX file on the server (in the model's folder" + data.describe() + ")")
          .toException();
    }
    Path labelFile = null;
    if (r.guidance() != null) {
      if (model.conditional() == null) {
        throw Rejection.Invalid.of("guidance", "model '" + model.name() + "' is not class-conditional").toException();
      }
      if (r.dataLabels() != null) {
        labelFile = data.resolve(r.dataLabels(), model);
      }
    }
    CalibrationPlan plan;
    try {
      plan = plan(model, n, r.seed(), r.install(), r.controlVariate(), dataFile, labelFile, r.guidance(), r.perLabel());
    } catch (IOException e) {
      String msg = String.valueOf(e.getMessage());
      if (dataFile != null) {
        msg = msg.replace(dataFile.toString(), r.data()); // the names the client gave, never the server's paths
      }
      if (labelFile != null) {
        msg = msg.replace(labelFile.toString(), r.dataLabels());
      }
      throw Rejection.Invalid.of(r.guidance() != null && labelFile == null && dataFile != null ? "dataLabels" : "data",
          msg).toException();
    }
    JsonObject cal = new JsonObject().put("samples", n).put("seed", r.seed()).put("install", r.install())
        .put("controlVariate", r.controlVariate()).put("data", r.data()); // as the client named it: no server paths
    if (r.guidance() != null) {
      cal.put("guidance", new JsonArray(r.guidance())).put("perLabel", r.perLabel())
          .put("dataLabels", labelFile == null ? null : r.dataLabels());
    }
    JsonObject spec = new JsonObject().put("calibration", cal).put("outputs", new JsonArray().add("json"))
        .put("previewEvery", 0).putNull("deadlineSeconds");
    int steps = model.context().schedule().steps();
    return new Prepared(model, spec, null, plan, n, r.seed(), (long) n * steps * plan.rowsPerRow(), steps);
  }

  private static CalibrationPlan plan(ServedModel model, int n, long seed, boolean install, boolean cv, Path dataFile,
      Path labelFile, List<Double> guidance, boolean perLabel) throws IOException {
    if (guidance == null) {
      return CalibrationPlan.create(model, n, seed, install, cv, dataFile);
    }
    double[] w = guidance.stream().mapToDouble(Double::doubleValue).toArray();
    return CalibrationPlan.guided(model, n, seed, install, cv, dataFile, labelFile, w, !perLabel);
  }

  /**
   * Rebuilds what a stored queued job needs against the version of its model served now (after a restart, or a
   * reload while it was queued); the state's record is {@code r} as given, whatever version it names.
   *
   * @param r the record
   * @param why where the reason it cannot run any more is put (index 0)
   * @return the state (with a null model when the model is no longer served), {@code why[0]} set if it cannot run
   */
  JobState recover(JobRecord r, String[] why) {
    ServedModel model = models.get(r.model());
    if (model == null) {
      why[0] = "model '" + r.model() + "' is no longer served";
      return new JobState(r, null, null, null, 0);
    }
    if (r.kind() == JobKind.SAMPLE) {
      List<Problem> problems = new ArrayList<>();
      SamplerSettings s = SamplerJson.parse(r.spec().getJsonObject("sampler"), problems);
      ModelContext ctx = s == null ? null : JobConditions.of(r.spec()).context(model, s, problems);
      SamplerResult res = s == null || !problems.isEmpty() ? new SamplerResult.Invalid(problems)
          : create(s, model, ctx);
      Sampler sampler = null;
      if (res instanceof SamplerResult.Ok ok) {
        sampler = ok.sampler();
      } else {
        why[0] = "its sampler is no longer valid: " + ((SamplerResult.Invalid) res).problems();
      }
      return new JobState(r, model, sampler, null, sampler == null ? 0 : Cost.work(r.n(), sampler.settings()));
    }
    JsonObject cal = r.spec().getJsonObject("calibration");
    String file = cal.getString("data");
    CalibrationPlan plan = null;
    try {
      JsonArray g = cal.getJsonArray("guidance");
      List<Double> guidance = null;
      if (g != null) {
        guidance = new ArrayList<>();
        for (Object o : g) {
          guidance.add(((Number) o).doubleValue());
        }
      }
      String labels = cal.getString("dataLabels");
      plan = plan(model, r.n(), r.seed(), cal.getBoolean("install", false), cal.getBoolean("controlVariate", false),
          file == null ? null : data.resolve(file, model), labels == null ? null : data.resolve(labels, model), guidance,
          cal.getBoolean("perLabel", false));
    } catch (IOException e) {
      why[0] = "its calibration data cannot be read any more: " + e.getMessage();
    } catch (RejectedException e) {
      why[0] = "its calibration data cannot be read any more: no readable file '" + file + "'";
    }
    return new JobState(r, model, null, plan, (long) r.n() * model.context().schedule().steps());
  }

  private SamplerResult create(SamplerSettings settings, ServedModel model, ModelContext ctx) {
    try {
      return samplers.create(settings, ctx);
    } catch (RuntimeException e) {
      return new SamplerResult.Invalid(List.of(new Problem("sampler.name", e.getMessage())));
    }
  }

  private static String samplerField(String f) {
    if (f == null || f.isEmpty()) {
      return "sampler";
    }
    return f.startsWith("sampler") || f.equals("model") || f.equals("n") || f.equals("seed") ? f : "sampler." + f;
  }
}
