package dev.dpm.core.sampler;

import dev.dpm.core.moments.GuidedGamma;
import dev.dpm.core.trajectory.TrajectoryKind;

/**
 * The context a labelled sampler is made with. Γ belongs to a predictor and the guided ε̃_w is another predictor,
 * so a sampler that uses Γ (analytic-ddpm, analytic-ddim, the optimal trajectory) gets the model's guided Γ grid at
 * w (for the label, or pooled). Without a grid, a plain conditional sampler (no guidance) and w = 0 keep the model's
 * unconditional Γ; guidance without a grid covering w is refused. Samplers that need no Γ get the model's context.
 */
public final class GuidedContexts {
  private GuidedContexts() {}

  /**
   * @param base the model's context
   * @param grid the model's guided Γ grid, or null
   * @param s the sampler settings (guidance read from them)
   * @param label the label of the samples (the first label when they differ)
   * @param oneLabel whether every sample has that label
   * @return the context
   * @throws IllegalArgumentException naming what is missing (field {@code guidance} or {@code labels})
   */
  public static ModelContext of(ModelContext base, GuidedGamma grid, SamplerSettings s, int label, boolean oneLabel) {
    boolean usesGamma = s.kind().needsGamma() || s.trajectory() == TrajectoryKind.OPTIMAL;
    if (!usesGamma) {
      return base;
    }
    double w = s.guidance() == null ? 1.0 : s.guidance();
    if (grid == null || !grid.covers(w)) {
      if (s.guidance() == null || w == 0.0) {
        return base; // plain conditional (documented stand-in) or the unconditional predictor itself
      }
      throw new IllegalArgumentException(s.kind().wire() + " under guidance needs the Γ of the guided predictor at w = "
          + w + ": " + (grid == null ? "the model has no guided Γ grid"
          : "its guided Γ grid covers w in [" + grid.scales()[0] + ", " + grid.scales()[grid.scales().length - 1] + "]"));
    }
    if (!grid.pooled() && !oneLabel) {
      throw new IllegalArgumentException("the model's guided Γ is per label: " + s.kind().wire()
          + " takes one label for all samples of a job");
    }
    return base.withGamma(grid.interpolate(w, label));
  }

  /**
   * Whether an SN/NPR sampler ({@code sn-*}, {@code npr-*}) may run under the settings' guidance. The
   * second heads of a conditional network estimate E[ε² | x_n, c] and E[(ε − ε_θ(x_n, c))² | x_n, c]:
   * the moments of the conditional model at one label (at the null label, of the unconditional one). The
   * guided predictor ε̃_w = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅)) is no such model's mean: its residual needs the
   * cross moment E[(ε − ε_c)(ε − ε_∅) | x_n], which neither head estimates, and the guided chain is the
   * reverse of no forward process, so there is no optimal covariance for the heads to give. Only w = 1
   * (the plain conditional model, as with no guidance) and w = 0 (the unconditional one) are served.
   *
   * @param s the sampler settings
   * @return why the sampler cannot take the guidance (for field {@code guidance}), or null when it can
   */
  public static String secondHeadsProblem(SamplerSettings s) {
    Double w = s.guidance();
    if (s.kind().covariance() == null || w == null || w == 0.0 || w == 1.0) {
      return null;
    }
    return s.kind().wire() + " takes guidance w = 0 or 1 only, got " + w + ": its " + s.kind().covariance().output()
        .wire() + " head estimates the moments of the conditional network (w = 1) or of the unconditional one"
        + " (w = 0), not of the guided predictor";
  }
}
