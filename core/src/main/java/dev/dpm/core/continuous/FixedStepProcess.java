package dev.dpm.core.continuous;

/**
 * A continuous-time process on a fixed grid t₀, …, t_K (decreasing to sample, increasing to
 * encode). Holds x(t_i) in double precision; {@link #nextStep} moves to the next grid point and
 * asks for ε there, or finishes after t_K.
 */
abstract class FixedStepProcess extends ContinuousProcess {
  /** [K+1] grid times. */
  final double[] grid;
  /** [d] the state x(t_step). */
  final double[] x;
  /** Grid steps completed. */
  int step;

  /**
   * @param sde the SDE
   * @param grid the times, [K+1], strictly monotone
   * @param denoise whether to end with the denoising evaluation at t_K
   * @param x the start state x(t₀), [d]; taken over
   */
  FixedStepProcess(VpSde sde, double[] grid, boolean denoise, double[] x) {
    super(sde, x.length, denoise, grid[grid.length - 1]);
    this.grid = grid;
    this.x = x;
    ask(x, grid[0]);
  }

  /** Counts a completed step and asks for ε at the new grid point (or finishes). */
  final void nextStep() {
    step++;
    if (step == grid.length - 1) {
      finish(x);
    } else {
      ask(x, grid[step]);
    }
  }

  @Override
  public final int step() {
    return step;
  }

  @Override
  public final int totalSteps() {
    return grid.length - 1;
  }
}
