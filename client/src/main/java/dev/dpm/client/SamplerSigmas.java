package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Noise-level grids σ/α of the continuous samplers ({@code sigmas} in {@link SamplerParams}). */
public enum SamplerSigmas implements WireEnum {
  /** Karras et al. 2022, ρ = 7. */
  KARRAS("karras"),
  /** Uniform in t (the VP grid of Karras et al. Table 1). */
  UNIFORM("uniform"),
  /** Uniform in log-SNR. */
  LOGSNR("logsnr"),
  /** A value this SDK version does not know; never sent. */
  UNKNOWN("unknown");

  private final String wire;

  SamplerSigmas(String wire) {
    this.wire = wire;
  }

  @JsonValue
  @Override
  public String wire() {
    return wire;
  }

  /** @param wire a wire name @return the constant, UNKNOWN when not known */
  @JsonCreator
  public static SamplerSigmas fromWire(String wire) {
    return WireEnum.lenient(SamplerSigmas.class, wire, UNKNOWN);
  }

  /** @param wire a wire name @return the constant @throws IllegalArgumentException if unknown */
  public static SamplerSigmas parse(String wire) {
    return WireEnum.parse(SamplerSigmas.class, wire);
  }

  @Override
  public String toString() {
    return wire;
  }
}
