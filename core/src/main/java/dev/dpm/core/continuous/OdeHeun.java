package dev.dpm.core.continuous;

/**
 * {@code ode-heun}: Heun's method (explicit trapezoidal rule; Karras et al. 2022 Alg. 1 without
 * churn; k-diffusion {@code sample_heun}) on the probability-flow ODE dx̃/dσ̃ = ε of the scaled
 * state x̃ = x/α in σ̃ = σ/α (see {@link OdeEuler}), between the grid times t_i:
 *
 * <pre>
 *   d₁ = ε(x_i, t_i),   x̃' = x_i/α_i + Δσ̃ d₁,   d₂ = ε(α_{i+1} x̃', t_{i+1}),
 *   x_{i+1} = α_{i+1} [x_i/α_i + Δσ̃ (d₁ + d₂)/2]
 * </pre>
 *
 * Second order; two evaluations per step (the last one included, since t_K = eps &gt; 0); runs in
 * either time direction.
 */
final class OdeHeun extends FixedStepProcess {
  private final double[] d1; // [d]
  private final double[] predicted; // [d], the Euler predictor α_{i+1} x̃'
  private boolean corrector; // false: awaiting ε(x_i, t_i); true: awaiting ε(predicted, t_{i+1})

  OdeHeun(VpSde sde, double[] grid, boolean denoise, double[] x) {
    super(sde, grid, denoise, x);
    this.d1 = new double[x.length];
    this.predicted = new double[x.length];
  }

  @Override
  void advance(float[] eps) {
    double t = grid[step];
    double next = grid[step + 1];
    double a = sde.alpha(t);
    double an = sde.alpha(next);
    double ds = sde.sigmaTilde(next) - sde.sigmaTilde(t);
    if (!corrector) {
      for (int j = 0; j < d; j++) {
        d1[j] = eps[j];
        predicted[j] = an * (x[j] / a + ds * d1[j]);
      }
      corrector = true;
      ask(predicted, next);
      return;
    }
    for (int j = 0; j < d; j++) {
      x[j] = an * (x[j] / a + ds * 0.5 * (d1[j] + eps[j]));
    }
    corrector = false;
    nextStep();
  }
}
