package dev.dpm.core.continuous;

import dev.dpm.core.model.NoisePredictor;
import dev.dpm.core.noise.NoiseSource;
import dev.dpm.core.sampler.Ddim;
import dev.dpm.core.sampler.Driver;
import dev.dpm.core.sampler.ModelContext;
import dev.dpm.core.sampler.Problem;
import dev.dpm.core.sampler.Sampler;
import dev.dpm.core.sampler.SamplerKind;
import dev.dpm.core.sampler.SamplerResult;
import dev.dpm.core.sampler.SamplerSettings;
import dev.dpm.core.sampler.DiscreteSamplers;
import dev.dpm.core.sampler.SamplingProcess;
import dev.dpm.core.schedule.NoiseSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoding data to latents by running a deterministic sampler backwards ({@code ./dpm encode}), and
 * decoding them with the same sampler started from the latent ({@link Sampler#start(
 * dev.dpm.core.noise.NoiseStream, float[])}).
 *
 * <ul>
 *   <li>{@code ode-euler}, {@code ode-heun}, {@code ode-rk45}, {@code dpm-solver-2m}: the same
 *       solver on the reversed grid, from t = eps up to t = 1 (DPM-Solver {@code inverse()}). When
 *       the sampler ends with the denoising step (the default), the encoder first inverts it: x(eps)
 *       solves x₀ = (x − σε(x))/α, found by a fixed-point iteration ({@link InvertDenoise}); with
 *       {@code denoise} off the data are taken as x(eps).
 *   <li>{@code ddim} (η = 0, any trajectory of the discrete sampler): its last step τ₁ → 0 is
 *       inverted the same way, then DDIM inversion runs τ₁ → … → τ_K ({@link DdimInversion}); the
 *       decoder is the discrete {@code ddim} sampler itself.
 * </ul>
 *
 * <p>Round-trip error (decode(encode(x)) − x): each direction is an independent solve of the same
 * ODE, so the error is that of the solver, twice: O(h) for ode-euler and DDIM, O(h²) for ode-heun
 * and dpm-solver-2m, about the tolerance for ode-rk45. Measured on the oracles in
 * {@code EncoderTest} (N = 1000 linear schedule): see the report printed there.
 */
public final class Encoder {
  private final SamplerSettings settings;
  private final ModelContext model;
  private final Sampler decoder;

  /** The outcome of configuring an encoder. */
  public sealed interface Outcome {
    /** @param encoder the configured encoder */
    record Ok(Encoder encoder) implements Outcome {}

    /** @param problems every problem found */
    record Invalid(List<Problem> problems) implements Outcome {}
  }

  /**
   * A round-trip report.
   *
   * @param n rows
   * @param maxAbsError max over rows and coordinates of |decode(encode(x)) − x|
   * @param rmsError root mean square of the same
   * @param meanEncodeNfe network evaluations per row, encoding
   * @param meanDecodeNfe network evaluations per row, decoding
   * @param latents the latents, [n][d]
   * @param decoded the decoded data, [n][d]
   */
  public record RoundTrip(int n, double maxAbsError, double rmsError, double meanEncodeNfe,
      double meanDecodeNfe, float[][] latents, float[][] decoded) {}

  private Encoder(SamplerSettings settings, ModelContext model, Sampler decoder) {
    this.settings = settings;
    this.model = model;
    this.decoder = decoder;
  }

  /**
   * @param settings a deterministic sampler: ode-euler, ode-heun, ode-rk45, dpm-solver-2m, or ddim
   *     with η = 0
   * @param model the model context
   * @return the encoder, or the problems (each naming its field)
   */
  public static Outcome create(SamplerSettings settings, ModelContext model) {
    SamplerKind kind = settings.kind();
    boolean ode = kind == SamplerKind.ODE_EULER || kind == SamplerKind.ODE_HEUN
        || kind == SamplerKind.ODE_RK45 || kind == SamplerKind.DPM_SOLVER_2M;
    if (!ode && kind != SamplerKind.DDIM) {
      return new Outcome.Invalid(List.of(new Problem("name", kind.wire()
          + " is not deterministic; encode with ode-euler, ode-heun, ode-rk45, dpm-solver-2m or ddim")));
    }
    SamplerResult r = kind.continuous()
        ? ContinuousSamplers.create(settings, model)
        : DiscreteSamplers.create(settings, model);
    if (r instanceof SamplerResult.Invalid inv) {
      return new Outcome.Invalid(inv.problems());
    }
    Sampler s = ((SamplerResult.Ok) r).sampler();
    if (kind == SamplerKind.DDIM && s.settings().eta() != 0.0) {
      return new Outcome.Invalid(List.of(new Problem("eta",
          "must be 0 to encode (DDIM with eta > 0 is stochastic), got " + s.settings().eta())));
    }
    return new Outcome.Ok(new Encoder(s.settings(), model, s));
  }

  /** @return the settings with defaults filled (shared by both directions) */
  public SamplerSettings settings() {
    return settings;
  }

  /** @return the sampler that decodes latents (start it with {@code start(noise, latent)}) */
  public Sampler decoder() {
    return decoder;
  }

  /**
   * @param data x, [d], in the model's data range
   * @return the process; its sample is the latent x_T
   */
  public SamplingProcess encode(float[] data) {
    if (data.length != model.dimension()) {
      throw new IllegalArgumentException(
          "expected " + model.dimension() + " values, got " + data.length);
    }
    if (decoder instanceof Ddim ddim) {
      int[] tau = ddim.trajectory().timesteps();
      NoiseSchedule sched = model.schedule();
      InvertDenoise last = new InvertDenoise(data, Math.sqrt(sched.alphaBar(tau[0])),
          Math.sqrt(sched.betaBar(tau[0])), tau[0]);
      return new Chain(last, x -> new DdimInversion(sched, tau, x));
    }
    ContinuousSampler ode = (ContinuousSampler) decoder;
    if (!settings.denoise()) {
      return ode.encode(data);
    }
    VpSde sde = ode.sde();
    double eps = settings.eps();
    InvertDenoise last = new InvertDenoise(data, sde.alpha(eps), sde.sigma(eps),
        sde.stepIndex(eps));
    return new Chain(last, ode::encode);
  }

  /**
   * Encodes every row.
   *
   * @param predictor the ε model
   * @param data [n][d]
   * @param maxBatch rows per network evaluation
   * @return the latents, [n][d]
   */
  public float[][] encodeAll(NoisePredictor predictor, float[][] data, int maxBatch) {
    List<SamplingProcess> ps = new ArrayList<>(data.length);
    for (float[] x : data) {
      ps.add(encode(x));
    }
    Driver.run(ps, predictor, maxBatch, null);
    return samples(ps);
  }

  /**
   * Decodes every latent (the decoder draws no noise after x_T; stream i is passed anyway).
   *
   * @param predictor the ε model
   * @param latents [n][d]
   * @param maxBatch rows per network evaluation
   * @return the data, [n][d]
   */
  public float[][] decodeAll(NoisePredictor predictor, float[][] latents, int maxBatch) {
    NoiseSource src = new NoiseSource(0);
    List<SamplingProcess> ps = new ArrayList<>(latents.length);
    for (int i = 0; i < latents.length; i++) {
      ps.add(decoder.start(src.stream(i), latents[i]));
    }
    Driver.run(ps, predictor, maxBatch, null);
    return samples(ps);
  }

  /**
   * Encodes, decodes and compares.
   *
   * @param predictor the ε model
   * @param data [n][d]
   * @param maxBatch rows per network evaluation
   * @return the report
   */
  public RoundTrip roundTrip(NoisePredictor predictor, float[][] data, int maxBatch) {
    List<SamplingProcess> enc = new ArrayList<>(data.length);
    for (float[] x : data) {
      enc.add(encode(x));
    }
    Driver.run(enc, predictor, maxBatch, null);
    float[][] latents = samples(enc);
    NoiseSource src = new NoiseSource(0);
    List<SamplingProcess> dec = new ArrayList<>(data.length);
    for (int i = 0; i < latents.length; i++) {
      dec.add(decoder.start(src.stream(i), latents[i]));
    }
    Driver.run(dec, predictor, maxBatch, null);
    float[][] back = samples(dec);
    double max = 0;
    double sq = 0;
    long count = 0;
    double nfeEnc = 0;
    double nfeDec = 0;
    for (int i = 0; i < data.length; i++) {
      for (int j = 0; j < data[i].length; j++) {
        double e = Math.abs((double) back[i][j] - data[i][j]);
        max = Math.max(max, e);
        sq += e * e;
        count++;
      }
      nfeEnc += enc.get(i).nfe();
      nfeDec += dec.get(i).nfe();
    }
    int n = data.length;
    return new RoundTrip(n, max, Math.sqrt(sq / Math.max(1, count)), nfeEnc / n, nfeDec / n,
        latents, back);
  }

  private static float[][] samples(List<SamplingProcess> ps) {
    float[][] r = new float[ps.size()][];
    for (int i = 0; i < r.length; i++) {
      r[i] = ps.get(i).sample();
    }
    return r;
  }
}
