package dev.dpm.core.likelihood;

/** The last term of the bound, −log p(x₀ | x₁). */
public enum Decoder {
  /**
   * The discretised Gaussian of DDPM and Analytic-DPM for 8-bit data: the probability of the
   * data's bin [x − h, x + h], h = (b − a)/510 (1/255 on [−1, 1]), with open outer bins, the tanh
   * approximation of Φ and log floored at 1e-12 (reference §2.9). Gives bits/dim of a discrete pmf.
   */
  DISCRETISED_8BIT,
  /**
   * A Gaussian density N(x₀; x̂₀, β̃_{1|2}) for continuous data; the bound is then on −log of a
   * density (nats/dim, may be negative).
   */
  GAUSSIAN
}
