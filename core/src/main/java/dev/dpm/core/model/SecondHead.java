package dev.dpm.core.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An output of the network besides its ε: the second head of the extended analytic family (Bao
 * et al. 2022b, "Estimating the Optimal Covariance with Imperfect Mean"), one value per dimension.
 * A model's manifest declares the heads its network carries; a sampler's {@code EvalRequest} names
 * the head it needs and the predictor returns it with ε ({@link NoisePredictor#predict}).
 */
public enum SecondHead {
  /** E[ε² | x_n], the SN-DPM head ({@code pred_eps_eps2_pretrained} in the official code). */
  EPS2("eps2"),
  /** E[(ε − ε_θ)² | x_n], the NPR-DPM head ({@code pred_eps_epsc_pretrained}). */
  EPSC("epsc");

  private final String wire;

  SecondHead(String wire) {
    this.wire = wire;
  }

  /** @return the manifest and API name */
  public String wire() {
    return wire;
  }

  /**
   * @param s a wire name
   * @return the head
   * @throws IllegalArgumentException naming the valid names
   */
  public static SecondHead parse(String s) {
    for (SecondHead h : values()) {
      if (h.wire.equals(s)) {
        return h;
      }
    }
    throw new IllegalArgumentException("unknown head '" + s + "' (one of "
        + Arrays.stream(values()).map(SecondHead::wire).collect(Collectors.joining(", ")) + ")");
  }
}
