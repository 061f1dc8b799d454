package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Objects;

/**
 * A sampler and its parameters ({@code SamplerSettings} in {@code openapi.yaml}), named on the wire
 * as the CLI flags ({@code clip-sigma2}, {@code corrector-steps}, ...). In a request a null
 * parameter means "the sampler's default"; in a {@link Job} the server fills in every parameter
 * that applies.
 *
 * <pre>{@code
 * SamplerParams p = SamplerParams.builder(SamplerName.DDIM).optSteps(25).optEta(0.5).build();
 * }</pre>
 *
 * @param name the sampler
 * @param steps K, the number of steps (K ≤ N; null for ode-rk45, which is adaptive)
 * @param trajectory timestep selection of the discrete samplers (default even; optimal needs Γ)
 * @param timesteps explicit ascending timesteps, with {@code trajectory=explicit}
 * @param eta DDIM η ≥ 0 (default 0)
 * @param variance fixed variance of {@code ddpm} (default posterior β̃)
 * @param clipSigma2 σ₂ clip of the step into x₁: 0 off, 1 or 2 (wire name {@code clip-sigma2})
 * @param snr Langevin corrector signal-to-noise ratio (sde-pc)
 * @param correctorSteps corrector steps per predictor step (sde-pc; wire name {@code corrector-steps})
 * @param predictor predictor of sde-pc
 * @param rtol relative tolerance (ode-rk45)
 * @param atol absolute tolerance (ode-rk45)
 * @param eps final continuous time of the SDE/ODE samplers, in (0, 0.1]
 * @param grid time grid of the continuous samplers
 * @param denoise final denoising step of the continuous samplers
 * @param sigmas noise-level grid instead of grid (edm-heun: default karras)
 * @param sChurn S_churn ≥ 0 of edm-heun (wire {@code s-churn}; s-tmin, s-tmax, s-noise alike)
 * @param sTmin lowest σ/α that gets churn (edm-heun)
 * @param sTmax highest σ/α that gets churn, null for none (edm-heun)
 * @param sNoise scale of the churn noise (edm-heun)
 * @param order solver order of unipc, 2 or 3
 * @param guidance classifier-free guidance scale w ≥ 0 (any sampler; a class-conditional model and a label)
 * @param clippedEps DDIM types: ε re-derived from the clamped x̂₀ where the clamp acts (wire {@code clipped-eps};
 *     the server turns it on when guidance &gt; 1)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SamplerParams(
    @JsonProperty("name") SamplerName name,
    @JsonProperty("steps") Integer steps,
    @JsonProperty("trajectory") Trajectory trajectory,
    @JsonProperty("timesteps") List<Integer> timesteps,
    @JsonProperty("eta") Double eta,
    @JsonProperty("variance") Variance variance,
    @JsonProperty("clip-sigma2") Integer clipSigma2,
    @JsonProperty("snr") Double snr,
    @JsonProperty("corrector-steps") Integer correctorSteps,
    @JsonProperty("predictor") Predictor predictor,
    @JsonProperty("rtol") Double rtol,
    @JsonProperty("atol") Double atol,
    @JsonProperty("eps") Double eps,
    @JsonProperty("grid") Grid grid,
    @JsonProperty("denoise") Boolean denoise,
    @JsonProperty("sigmas") SamplerSigmas sigmas,
    @JsonProperty("s-churn") Double sChurn,
    @JsonProperty("s-tmin") Double sTmin,
    @JsonProperty("s-tmax") Double sTmax,
    @JsonProperty("s-noise") Double sNoise,
    @JsonProperty("order") Integer order,
    @JsonProperty("guidance") Double guidance,
    @JsonProperty("clipped-eps") Boolean clippedEps) {

  /** Validates the parameters that can be checked without the model (the server checks the rest). */
  public SamplerParams {
    Objects.requireNonNull(name, "sampler name");
    timesteps = timesteps == null ? null : List.copyOf(timesteps);
    if (steps != null && steps < 1) {
      throw new IllegalArgumentException("sampler.steps must be ≥ 1, was " + steps);
    }
    if (eta != null && !(eta >= 0)) {
      throw new IllegalArgumentException("sampler.eta must be ≥ 0, was " + eta);
    }
    if (guidance != null && !(guidance >= 0 && Double.isFinite(guidance))) {
      throw new IllegalArgumentException("sampler.guidance must be a finite number ≥ 0, was " + guidance);
    }
    if (clipSigma2 != null && (clipSigma2 < 0 || clipSigma2 > 2)) {
      throw new IllegalArgumentException("sampler.clip-sigma2 must be 0, 1 or 2, was " + clipSigma2);
    }
  }

  /**
   * @param name the sampler
   * @param steps K, the number of steps
   * @return the sampler with K steps and every other parameter at its default
   */
  public static SamplerParams of(SamplerName name, int steps) {
    return builder(name).optSteps(steps).build();
  }

  /**
   * @param name the sampler
   * @return a builder with every parameter at the sampler's default
   */
  public static Builder builder(SamplerName name) {
    return new Builder(name);
  }

  /** @return a builder holding these parameters (changing it never changes this record) */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.steps = steps;
    b.trajectory = trajectory;
    b.timesteps = timesteps;
    b.eta = eta;
    b.variance = variance;
    b.clipSigma2 = clipSigma2;
    b.snr = snr;
    b.correctorSteps = correctorSteps;
    b.predictor = predictor;
    b.rtol = rtol;
    b.atol = atol;
    b.eps = eps;
    b.grid = grid;
    b.denoise = denoise;
    b.sigmas = sigmas;
    b.sChurn = sChurn;
    b.sTmin = sTmin;
    b.sTmax = sTmax;
    b.sNoise = sNoise;
    b.order = order;
    b.guidance = guidance;
    b.clippedEps = clippedEps;
    return b;
  }

  /** Builder of {@link SamplerParams}; {@code opt*} setters take null for "the default". */
  public static final class Builder {
    private SamplerName name;
    private Integer steps;
    private Trajectory trajectory;
    private List<Integer> timesteps;
    private Double eta;
    private Variance variance;
    private Integer clipSigma2;
    private Double snr;
    private Integer correctorSteps;
    private Predictor predictor;
    private Double rtol;
    private Double atol;
    private Double eps;
    private Grid grid;
    private Boolean denoise;
    private SamplerSigmas sigmas;
    private Double sChurn;
    private Double sTmin;
    private Double sTmax;
    private Double sNoise;
    private Integer order;
    private Double guidance;
    private Boolean clippedEps;

    private Builder(SamplerName name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** @param v the sampler @return this */
    public Builder setName(SamplerName v) {
      name = Objects.requireNonNull(v, "name");
      return this;
    }

    /** @param v K, the number of steps @return this */
    public Builder optSteps(Integer v) {
      steps = v;
      return this;
    }

    /** @param v the trajectory @return this */
    public Builder optTrajectory(Trajectory v) {
      trajectory = v;
      return this;
    }

    /**
     * Explicit timesteps; also sets {@code trajectory=explicit} when they are not null.
     *
     * @param v ascending timesteps in [1, N]
     * @return this
     */
    public Builder optTimesteps(List<Integer> v) {
      timesteps = v;
      if (v != null) {
        trajectory = Trajectory.EXPLICIT;
      }
      return this;
    }

    /** @param v DDIM η @return this */
    public Builder optEta(Double v) {
      eta = v;
      return this;
    }

    /** @param v the fixed ddpm variance @return this */
    public Builder optVariance(Variance v) {
      variance = v;
      return this;
    }

    /** @param v the σ₂ clip, 0, 1 or 2 @return this */
    public Builder optClipSigma2(Integer v) {
      clipSigma2 = v;
      return this;
    }

    /** @param v the corrector SNR @return this */
    public Builder optSnr(Double v) {
      snr = v;
      return this;
    }

    /** @param v the corrector steps @return this */
    public Builder optCorrectorSteps(Integer v) {
      correctorSteps = v;
      return this;
    }

    /** @param v the sde-pc predictor @return this */
    public Builder optPredictor(Predictor v) {
      predictor = v;
      return this;
    }

    /** @param v the RK45 relative tolerance @return this */
    public Builder optRtol(Double v) {
      rtol = v;
      return this;
    }

    /** @param v the RK45 absolute tolerance @return this */
    public Builder optAtol(Double v) {
      atol = v;
      return this;
    }

    /** @param v the final continuous time @return this */
    public Builder optEps(Double v) {
      eps = v;
      return this;
    }

    /** @param v the continuous time grid @return this */
    public Builder optGrid(Grid v) {
      grid = v;
      return this;
    }

    /** @param v whether to take the final denoising step @return this */
    public Builder optDenoise(Boolean v) {
      denoise = v;
      return this;
    }

    /** @param v the noise-level grid @return this */
    public Builder optSigmas(SamplerSigmas v) { sigmas = v; return this; }
    /** @param v S_churn @return this */
    public Builder optSChurn(Double v) { sChurn = v; return this; }
    /** @param v S_tmin @return this */
    public Builder optSTmin(Double v) { sTmin = v; return this; }
    /** @param v S_tmax @return this */
    public Builder optSTmax(Double v) { sTmax = v; return this; }
    /** @param v S_noise @return this */
    public Builder optSNoise(Double v) { sNoise = v; return this; }
    /** @param v unipc's order @return this */
    public Builder optOrder(Integer v) { order = v; return this; }
    /** @param v the guidance scale w @return this */
    public Builder optGuidance(Double v) { guidance = v; return this; }
    /** @param v ε re-derived from the clamped x̂₀ (DDIM types) @return this */
    public Builder optClippedEps(Boolean v) { clippedEps = v; return this; }

    /**
     * @return the parameters
     * @throws IllegalArgumentException for a parameter out of its documented range
     */
    public SamplerParams build() {
      return new SamplerParams(name, steps, trajectory, timesteps, eta, variance, clipSigma2, snr,
          correctorSteps, predictor, rtol, atol, eps, grid, denoise, sigmas, sChurn, sTmin, sTmax,
          sNoise, order, guidance, clippedEps);
    }
  }

  /** Timestep selection of the discrete samplers. */
  public enum Trajectory implements WireEnum {
    /** Evenly spaced (the default). */
    EVEN("even"),
    /** Quadratic (DDIM). */
    QUADRATIC("quadratic"),
    /** Uniform stride (DDIM). */
    UNIFORM("uniform"),
    /** The Analytic-DPM optimal trajectory (needs Γ). */
    OPTIMAL("optimal"),
    /** The {@code timesteps} given. */
    EXPLICIT("explicit"),
    /** diffusers {@code timestep_spacing="leading"} (with the model's steps offset). */
    LEADING("leading"),
    /** diffusers {@code "trailing"} (the last step at N; for zero-terminal-SNR models). */
    TRAILING("trailing"),
    /** diffusers {@code "linspace"} (rounded linspace from 1 to N). */
    LINSPACE("linspace"),
    /** A value this SDK version does not know; never sent. */
    UNKNOWN("unknown");

    private final String wire;

    Trajectory(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Trajectory fromWire(String wire) {
      return WireEnum.lenient(Trajectory.class, wire, UNKNOWN);
    }

    /** @param wire a wire name @return the constant @throws IllegalArgumentException if unknown */
    public static Trajectory parse(String wire) {
      return WireEnum.parse(Trajectory.class, wire);
    }

    @Override
    public String toString() {
      return wire;
    }
  }

  /** Fixed variance of {@code ddpm}. */
  public enum Variance implements WireEnum {
    /** β̃, the posterior variance (default). */
    POSTERIOR("posterior"),
    /** β, the forward variance. */
    FORWARD("forward"),
    /** A value this SDK version does not know; never sent. */
    UNKNOWN("unknown");

    private final String wire;

    Variance(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Variance fromWire(String wire) {
      return WireEnum.lenient(Variance.class, wire, UNKNOWN);
    }

    /** @param wire a wire name @return the constant @throws IllegalArgumentException if unknown */
    public static Variance parse(String wire) {
      return WireEnum.parse(Variance.class, wire);
    }

    @Override
    public String toString() {
      return wire;
    }
  }

  /** Predictor of {@code sde-pc}. */
  public enum Predictor implements WireEnum {
    /** score_sde reverse diffusion. */
    REVERSE_DIFFUSION("reverse-diffusion"),
    /** Euler–Maruyama. */
    EULER_MARUYAMA("euler-maruyama"),
    /** A value this SDK version does not know; never sent. */
    UNKNOWN("unknown");

    private final String wire;

    Predictor(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Predictor fromWire(String wire) {
      return WireEnum.lenient(Predictor.class, wire, UNKNOWN);
    }

    /** @param wire a wire name @return the constant @throws IllegalArgumentException if unknown */
    public static Predictor parse(String wire) {
      return WireEnum.parse(Predictor.class, wire);
    }

    @Override
    public String toString() {
      return wire;
    }
  }

  /** Time grid of the continuous samplers. */
  public enum Grid implements WireEnum {
    /** Uniform in t. */
    UNIFORM("uniform"),
    /** Uniform in log-SNR. */
    LOGSNR("logsnr"),
    /** Quadratic in t. */
    QUADRATIC("quadratic"),
    /** A value this SDK version does not know; never sent. */
    UNKNOWN("unknown");

    private final String wire;

    Grid(String wire) {
      this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
      return wire;
    }

    /** @param wire a wire name @return the constant, UNKNOWN when not known */
    @JsonCreator
    public static Grid fromWire(String wire) {
      return WireEnum.lenient(Grid.class, wire, UNKNOWN);
    }

    /** @param wire a wire name @return the constant @throws IllegalArgumentException if unknown */
    public static Grid parse(String wire) {
      return WireEnum.parse(Grid.class, wire);
    }

    @Override
    public String toString() {
      return wire;
    }
  }
}
