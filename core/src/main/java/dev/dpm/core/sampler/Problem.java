package dev.dpm.core.sampler;

/**
 * One reason a request is invalid, naming the offending field as the CLI flag / JSON key spells it.
 *
 * @param field e.g. {@code steps}, {@code eta}, {@code sampler.name}
 * @param message a short sentence for people
 */
public record Problem(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
