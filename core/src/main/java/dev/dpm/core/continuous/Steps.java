package dev.dpm.core.continuous;

/** Small shared formulas of the reverse-SDE steps. */
final class Steps {
  private Steps() {}

  /**
   * The mean of β over a step, (log ᾱ(to) − log ᾱ(from))/(from − to) for from &gt; to: the exact
   * integral of β over the step, so the Euler–Maruyama coefficients do not depend on where the
   * grid points fall on the matched SDE's staircase β(t) (on an aligned grid, h = 1/N, it is β_m
   * exactly; for a smooth β it differs from β(t_i) by O(h), keeping the method first order).
   *
   * @param sde the SDE
   * @param from t_i
   * @param to t_{i+1}
   * @return the step's mean β
   */
  static double meanBeta(VpSde sde, double from, double to) {
    return (sde.logAlphaBar(to) - sde.logAlphaBar(from)) / (from - to);
  }

  /**
   * @param sde the SDE
   * @param t time
   * @param beta β to use
   * @return g² = β (VP) or β(1 − ᾱ(t)²) (sub-VP)
   */
  static double diffusion2(VpSde sde, double t, double beta) {
    return sde.subVp() ? beta * -Math.expm1(2.0 * sde.logAlphaBar(t)) : beta;
  }
}
