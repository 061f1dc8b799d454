package dev.dpm.server.jobs;

import dev.dpm.core.sampler.SamplerSettings;

/**
 * The true cost of a job for admission: rows of network evaluation, n × evaluations per sample. Evaluations per
 * sample count every call a sampler makes: the corrector steps of {@code sde-pc}, the second evaluation of the Heun
 * steps, the final denoising evaluation, and for the adaptive {@code ode-rk45} a bound from its tolerances.
 */
final class Cost {
  /** RK45 attempted steps at rtol = atol = 1e-5, with a 2× margin over the ~20 measured on the oracles. */
  static final int RK45_STEPS_AT_1E5 = 40;

  private Cost() {}

  /**
   * @param s the settings with every default filled (what runs)
   * @return network evaluations per sample
   */
  static long evaluationsPerSample(SamplerSettings s) {
    long steps = s.steps() == null ? 0 : s.steps();
    long denoise = Boolean.TRUE.equals(s.denoise()) ? 1 : 0;
    return switch (s.kind()) {
      case DDPM, ANALYTIC_DDPM, DDIM, ANALYTIC_DDIM -> steps;
      case SDE_PC -> steps * (1L + (s.correctorSteps() == null ? 1 : s.correctorSteps())) + denoise;
      case ODE_HEUN, EDM_HEUN -> 2 * steps + denoise;
      case ODE_RK45 -> rk45Bound(s.rtol(), s.atol()) + denoise;
      default -> steps + denoise;
    };
  }

  /**
   * Dormand–Prince makes 6 evaluations per attempted step (2 to start), and its step count grows as tol^(−1/5).
   *
   * @param rtol relative tolerance (null: 1e-5)
   * @param atol absolute tolerance (null: 1e-5)
   * @return the evaluations admission charges
   */
  static long rk45Bound(Double rtol, Double atol) {
    double tol = Math.min(rtol == null ? 1e-5 : rtol, atol == null ? 1e-5 : atol);
    double scale = Math.max(1.0, Math.pow(1e-5 / tol, 0.2));
    return 2 + 6L * (long) Math.ceil(RK45_STEPS_AT_1E5 * scale);
  }

  /**
   * @param n samples
   * @param s filled settings
   * @return rows of work
   */
  static long work(int n, SamplerSettings s) {
    return n * Math.max(1, evaluationsPerSample(s));
  }
}
