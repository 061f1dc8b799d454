package dev.dpm.bench.conditional;

import dev.dpm.bench.quality.Method;
import dev.dpm.core.trajectory.TrajectoryKind;
import java.util.Locale;

/**
 * The result keys of the conditional tables. An analytic method's key names the Γ it used (a hash of the model's
 * Γ, or of its guided Γ grid), so a Γ file that arrives later adds cells and keeps the plain ones; a key is null
 * when the Γ a method needs is missing.
 *
 * @param gammaTag hash of the model's (unconditional) Γ, or null
 * @param gridTag hash of the guided Γ grid, or null
 * @param gridLow the grid's lowest w (ignored without a grid)
 * @param gridHigh the grid's highest w (ignored without a grid)
 * @param clippedEps {@code clipped-eps} of the DDIM-type methods (null: the sampler's default, on for w &gt; 1); a
 *     cell where it is on has {@code +ceps} after the method in its key (cells of the raw ε keep their keys)
 */
record CondKeys(String gammaTag, String gridTag, double gridLow, double gridHigh, Boolean clippedEps) {

  CondKeys(String gammaTag, String gridTag) {
    this(gammaTag, gridTag, 0, Double.POSITIVE_INFINITY, null);
  }

  /** @return these keys with the grid's w range (a w outside it has no analytic key) */
  CondKeys withRange(double lo, double hi) {
    return new CondKeys(gammaTag, gridTag, lo, hi, clippedEps);
  }

  /** @return these keys for DDIM-type cells sampled with {@code clipped-eps} = v (null: the default) */
  CondKeys withClippedEps(Boolean v) {
    return new CondKeys(gammaTag, gridTag, gridLow, gridHigh, v);
  }

  /**
   * @param me method
   * @param w guidance (0 for unconditional cells)
   * @return whether the method's cell at w runs with {@code clipped-eps} on
   */
  boolean clipped(Method me, double w) {
    boolean ddimType = me.settings(10, TrajectoryKind.EVEN, null).kind().ddimType();
    return ddimType && (clippedEps != null ? clippedEps : w > 1.0);
  }

  /** @return the method's name in keys and file names: its key, with {@code +ceps} when clipped-eps is on */
  String name(Method me, double w) {
    return me.key() + (clipped(me, w) ? "+ceps" : "");
  }

  static boolean needsGamma(Method me) {
    return me.settings(10, TrajectoryKind.EVEN, null).kind().needsGamma();
  }

  /**
   * @param me method
   * @param k K
   * @return the key of an unconditional cell, or null without Γ
   */
  String unconditional(Method me, int k) {
    if (!needsGamma(me)) {
      return "uncond/" + name(me, 0) + "/k" + k;
    }
    return gammaTag == null ? null : "uncond/" + name(me, 0) + "@" + gammaTag + "/k" + k;
  }

  /**
   * @param me method
   * @param w guidance
   * @param k K
   * @return the prefix of a guided cell's keys ({@code /fd}, {@code /acc}, {@code /fd/c}, {@code /acc/c}), or null
   *     when an analytic method has no Γ for w
   */
  String guided(Method me, double w, int k) {
    String tail = "/w" + fmt(w) + "/k" + k;
    if (!needsGamma(me)) {
      return "cond/" + name(me, w) + tail;
    }
    if (gridTag != null && w >= gridLow && w <= gridHigh) {
      return "cond/" + name(me, w) + "@g" + gridTag + tail;
    }
    if ((w == 1.0 || w == 0.0) && gammaTag != null) { // GuidedContexts' stand-in: the model's own Γ
      return "cond/" + name(me, w) + "@u" + gammaTag + tail;
    }
    return null;
  }

  /** @return w as written in keys and file names (2, 2.5) */
  static String fmt(double w) {
    return w == Math.rint(w) ? Long.toString((long) w) : String.format(Locale.ROOT, "%s", w);
  }
}
