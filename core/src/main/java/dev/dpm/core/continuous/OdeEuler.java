package dev.dpm.core.continuous;

/**
 * {@code ode-euler}: Euler's method on the probability-flow ODE (Song et al. 2021 eq. 13) written
 * for the scaled state x̃ = x/α in the time variable σ̃ = σ/α, where it reads dx̃/dσ̃ = ε(x, t)
 * (Karras et al. 2022 eq. 4; k-diffusion {@code sample_euler}):
 *
 * <pre>
 *   x_{i+1} = α_{i+1} [x_i/α_i + (σ̃_{i+1} − σ̃_i) ε(x_i, t_i)]
 * </pre>
 *
 * which is exactly the DDIM (η = 0) step between t_i and t_{i+1} (Song et al. 2020a eq. 13–14) and
 * DPM-Solver-1. In t itself the matched SDE's β(t) is a staircase, which spoils the order of every
 * fixed-step or adaptive solver; in σ̃ the ODE is smooth. First order; one evaluation per step;
 * runs in either time direction (encoding goes up).
 */
final class OdeEuler extends FixedStepProcess {
  OdeEuler(VpSde sde, double[] grid, boolean denoise, double[] x) {
    super(sde, grid, denoise, x);
  }

  @Override
  void advance(float[] eps) {
    double t = grid[step];
    double next = grid[step + 1];
    double a = sde.alpha(t);
    double an = sde.alpha(next);
    double ds = sde.sigmaTilde(next) - sde.sigmaTilde(t);
    for (int j = 0; j < d; j++) {
      x[j] = an * (x[j] / a + ds * eps[j]);
    }
    nextStep();
  }
}
