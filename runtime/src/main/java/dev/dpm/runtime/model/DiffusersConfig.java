package dev.dpm.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.core.model.DataRange;
import dev.dpm.core.model.PredictionType;
import dev.dpm.core.schedule.NoiseSchedule;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A diffusers {@code scheduler_config.json}, read for every field that changes the math; a value
 * this project cannot honour is refused with the field's name, never ignored.
 *
 * <ul>
 *   <li>β: {@code trained_betas} when given, else {@code beta_schedule} ∈ {linear (linspace(beta_start,
 *       beta_end, N), no 1000/N scaling), scaled_linear (linspace(√start, √end, N)²), squaredcos_cap_v2
 *       (the improved-DDPM cosine, β ≤ 0.999)} over N = {@code num_train_timesteps}.
 *   <li>{@code rescale_betas_zero_snr}: diffusers' {@code rescale_zero_terminal_snr} (Lin et al. 2023):
 *       √ᾱ ← (√ᾱ − √ᾱ_N)·√ᾱ₁/(√ᾱ₁ − √ᾱ_N), which makes ᾱ_N = 0. The ε-form samplers here divide by
 *       √ᾱ_N, so ᾱ_N is then set to min(2⁻²⁴, ᾱ_{N−1}/2), as diffusers' own {@code EulerDiscreteScheduler}
 *       sets 2⁻²⁴ "so the first σ is not infinite". With {@code prediction_type="epsilon"} this is
 *       refused: at ᾱ_N = 0 an ε-network sees x_N = ε and its output says nothing about x₀.
 *   <li>{@code prediction_type} ∈ {epsilon, sample, v_prediction}: the predictor converts to ε.
 *   <li>{@code clip_sample} (diffusers' default true) with {@code clip_sample_range} (default 1): the
 *       data range [−r, r] that x̂₀ is clamped to; false means unbounded. {@code thresholding} true is
 *       refused.
 *   <li>{@code timestep_spacing} ∈ {leading (default), trailing, linspace} with {@code steps_offset}
 *       (default 0): the default trajectory, as {@code DDIMScheduler.set_timesteps} spaces it.
 *   <li>{@code variance_type} learned / learned_range (a network that also outputs variances) and
 *       {@code use_karras_sigmas}, {@code use_exponential_sigmas}, {@code use_beta_sigmas} true are refused.
 * </ul>
 *
 * Other fields ({@code set_alpha_to_one}, {@code skip_prk_steps}, {@code _class_name}, …) do not change
 * what these samplers compute; they are listed in {@link #notes()}.
 *
 * @param steps N = {@code num_train_timesteps}
 * @param betaSchedule the β family ({@code trained} for {@code trained_betas})
 * @param betaStart {@code beta_start}
 * @param betaEnd {@code beta_end}
 * @param trainedBetas {@code trained_betas}, or null
 * @param prediction {@code prediction_type}
 * @param rescaleZeroSnr {@code rescale_betas_zero_snr}
 * @param dataRange from {@code clip_sample} and {@code clip_sample_range}
 * @param spacing {@code timestep_spacing} as a trajectory kind
 * @param stepsOffset {@code steps_offset}
 * @param notes what was decided about fields that do not change the math, for people
 */
public record DiffusersConfig(
    int steps,
    String betaSchedule,
    double betaStart,
    double betaEnd,
    double[] trainedBetas,
    PredictionType prediction,
    boolean rescaleZeroSnr,
    DataRange dataRange,
    TrajectoryKind spacing,
    int stepsOffset,
    List<String> notes) {

  /** ᾱ_N after the zero-terminal-SNR rescale (before the ᾱ_{N−1}/2 cap), as diffusers' Euler scheduler. */
  public static final double ZERO_SNR_ALPHA_BAR = 0x1p-24;

  private static final Set<String> READ = Set.of("num_train_timesteps", "beta_schedule", "beta_start",
      "beta_end", "trained_betas", "prediction_type", "rescale_betas_zero_snr", "clip_sample",
      "clip_sample_range", "thresholding", "timestep_spacing", "steps_offset", "variance_type",
      "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "dynamic_thresholding_ratio",
      "sample_max_value");

  /** Copies the list. */
  public DiffusersConfig {
    notes = List.copyOf(notes);
  }

  /**
   * Reads and checks a {@code scheduler_config.json}.
   *
   * @param file the file
   * @return the config
   * @throws IOException if it cannot be read, or a field has a value that is not supported (the
   *     message names the field and the file)
   */
  public static DiffusersConfig read(Path file) throws IOException {
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IOException("cannot read diffusers config " + file + ": " + e.getMessage(), e);
    }
    try {
      return parse(n);
    } catch (IllegalArgumentException e) {
      throw new IOException(file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks a parsed {@code scheduler_config.json}.
   *
   * @param cfg the JSON object
   * @return the config
   * @throws IllegalArgumentException naming the first unsupported field
   */
  public static DiffusersConfig parse(JsonNode cfg) {
    if (cfg == null || !cfg.isObject()) {
      throw new IllegalArgumentException("a scheduler config must be a JSON object");
    }
    List<String> notes = new ArrayList<>();
    int n = cfg.path("num_train_timesteps").asInt(1000);
    if (n < 2) {
      throw new IllegalArgumentException("num_train_timesteps must be >= 2, got " + n);
    }
    double[] trained = null;
    JsonNode tb = cfg.path("trained_betas");
    if (tb.isArray() && tb.size() > 0) {
      trained = new double[tb.size()];
      for (int i = 0; i < trained.length; i++) {
        trained[i] = tb.get(i).asDouble();
      }
      if (cfg.has("num_train_timesteps") && trained.length != n) {
        throw new IllegalArgumentException("trained_betas has " + trained.length
            + " entries but num_train_timesteps is " + n);
      }
      n = trained.length;
    }
    String sched = trained != null ? "trained" : cfg.path("beta_schedule").asText("linear");
    if (!Set.of("trained", "linear", "scaled_linear", "squaredcos_cap_v2").contains(sched)) {
      throw new IllegalArgumentException("beta_schedule '" + sched
          + "' is not supported (linear, scaled_linear, squaredcos_cap_v2, or trained_betas)");
    }
    PredictionType prediction = switch (cfg.path("prediction_type").asText("epsilon")) {
      case "epsilon" -> PredictionType.EPS;
      case "sample" -> PredictionType.X0;
      case "v_prediction" -> PredictionType.V;
      default -> throw new IllegalArgumentException("prediction_type '" + cfg.path("prediction_type").asText()
          + "' is not supported (epsilon, sample, v_prediction)");
    };
    boolean zeroSnr = cfg.path("rescale_betas_zero_snr").asBoolean(false);
    if (zeroSnr && prediction == PredictionType.EPS) {
      throw new IllegalArgumentException("rescale_betas_zero_snr with prediction_type 'epsilon' is refused:"
          + " at ᾱ_N = 0 the input x_N is pure noise, an ε-network's output there equals x_N and"
          + " x̂₀ = (x_N − ε)/√ᾱ_N is 0/0 (use v_prediction or sample, as Lin et al. 2023 do)");
    }
    if (cfg.path("thresholding").asBoolean(false)) {
      throw new IllegalArgumentException("thresholding true (dynamic thresholding) is not supported");
    }
    for (String f : List.of("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas")) {
      if (cfg.path(f).asBoolean(false)) {
        throw new IllegalArgumentException(f + " true is not supported (choose a trajectory instead)");
      }
    }
    String variance = cfg.path("variance_type").asText("fixed_small");
    if (variance.startsWith("learned")) {
      throw new IllegalArgumentException("variance_type '" + variance
          + "' is not supported (a network that outputs variances; fixed_small or fixed_large)");
    }
    if (cfg.has("variance_type")) {
      notes.add("variance_type " + variance + ": ddpm's --variance chooses (posterior = fixed_small,"
          + " forward = fixed_large; default posterior)");
    }
    DataRange range = DataRange.UNBOUNDED;
    boolean clip = cfg.path("clip_sample").asBoolean(true);
    if (!cfg.has("clip_sample")) {
      notes.add("clip_sample absent: diffusers' default true");
    }
    if (clip) {
      double r = cfg.path("clip_sample_range").asDouble(1.0);
      if (!(r > 0 && Double.isFinite(r))) {
        throw new IllegalArgumentException("clip_sample_range must be a positive number, got " + r);
      }
      range = new DataRange(-r, r);
    }
    String spacingText = cfg.path("timestep_spacing").asText("leading");
    TrajectoryKind spacing = switch (spacingText) {
      case "leading" -> TrajectoryKind.LEADING;
      case "trailing" -> TrajectoryKind.TRAILING;
      case "linspace" -> TrajectoryKind.LINSPACE;
      default -> throw new IllegalArgumentException("timestep_spacing '" + spacingText
          + "' is not supported (leading, trailing, linspace)");
    };
    if (!cfg.has("timestep_spacing")) {
      notes.add("timestep_spacing absent: diffusers' default leading");
    }
    int offset = cfg.path("steps_offset").asInt(0);
    if (offset < 0) {
      throw new IllegalArgumentException("steps_offset must be >= 0, got " + offset);
    }
    if (offset != 0 && spacing != TrajectoryKind.LEADING) {
      notes.add("steps_offset " + offset + " has no effect with " + spacingText + " spacing (as in diffusers)");
    }
    if (cfg.has("set_alpha_to_one") && !cfg.path("set_alpha_to_one").asBoolean(true)) {
      notes.add("set_alpha_to_one false ignored: the last step always lands on ᾱ₀ = 1 (x₀)");
    }
    cfg.fieldNames().forEachRemaining(f -> {
      if (!READ.contains(f) && !f.equals("set_alpha_to_one")) {
        notes.add("ignored " + f + " (does not change these samplers' math)");
      }
    });
    DiffusersConfig c = new DiffusersConfig(n, sched, cfg.path("beta_start").asDouble(0.0001),
        cfg.path("beta_end").asDouble(0.02), trained, prediction, zeroSnr, range, spacing, offset, notes);
    c.schedule(); // β outside (0, 1) fails here, naming the field
    return c;
  }

  /**
   * The noise schedule, in double precision.
   *
   * @return the schedule
   * @throws IllegalArgumentException if the β do not lie in (0, 1)
   */
  public NoiseSchedule schedule() {
    double[] b = switch (betaSchedule) {
      case "trained" -> trainedBetas.clone();
      case "linear" -> NoiseSchedule.linspace(betaStart, betaEnd, steps);
      case "scaled_linear" -> oneBased(NoiseSchedule.scaledLinear(steps, betaStart, betaEnd));
      case "squaredcos_cap_v2" -> oneBased(NoiseSchedule.cosine(steps));
      default -> throw new IllegalStateException(betaSchedule);
    };
    try {
      if (rescaleZeroSnr) {
        b = rescaleZeroTerminalSnr(b);
      }
      return NoiseSchedule.ofBetas(b);
    } catch (IllegalArgumentException e) {
      String field = betaSchedule.equals("trained") ? "trained_betas" : "beta_start/beta_end";
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  private static double[] oneBased(NoiseSchedule s) {
    return java.util.Arrays.copyOfRange(s.betas(), 1, s.steps() + 1);
  }

  /**
   * diffusers' {@code rescale_zero_terminal_snr} (Lin et al. 2023, Algorithm 1) in double precision,
   * with ᾱ_N then set to min({@value #ZERO_SNR_ALPHA_BAR}, ᾱ_{N−1}/2) so that β_N &lt; 1.
   *
   * @param betas β₁..β_N
   * @return the rescaled β₁..β_N
   */
  public static double[] rescaleZeroTerminalSnr(double[] betas) {
    int n = betas.length;
    double[] s = new double[n]; // √ᾱ_1..√ᾱ_N
    double ab = 1.0;
    for (int i = 0; i < n; i++) {
      ab *= 1.0 - betas[i];
      s[i] = Math.sqrt(ab);
    }
    double s0 = s[0];
    double sN = s[n - 1];
    double[] a = new double[n]; // rescaled ᾱ
    for (int i = 0; i < n; i++) {
      double v = (s[i] - sN) * s0 / (s0 - sN);
      a[i] = v * v;
    }
    a[n - 1] = Math.min(ZERO_SNR_ALPHA_BAR, a[n - 2] / 2);
    double[] r = new double[n];
    r[0] = 1.0 - a[0];
    for (int i = 1; i < n; i++) {
      r[i] = 1.0 - a[i] / a[i - 1];
    }
    return r;
  }
}
