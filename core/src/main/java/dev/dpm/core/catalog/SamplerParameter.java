package dev.dpm.core.catalog;

import java.util.List;

/**
 * One sampler parameter as a user sees it: its wire name (the CLI flag and the API key), type,
 * allowed values or numeric range, and a one-line help. Which samplers it applies to, whether it is
 * required and its default are not stored here: {@link SamplerCatalog} asks the validators.
 *
 * @param name wire name ({@code steps}, {@code clip-sigma2}, …)
 * @param type {@code integer}, {@code number}, {@code boolean}, {@code enum} or {@code integer-list}
 * @param choices allowed values of an enum (wire spellings) or of a small integer set; empty otherwise
 * @param min lowest allowed value, or null
 * @param minExclusive whether {@code min} itself is refused
 * @param max highest allowed value, or null (for {@code steps} the catalog fills it per sampler and model)
 * @param help one line of help
 * @param probe a valid value, used to ask the validators whether the parameter applies
 */
public record SamplerParameter(String name, String type, List<String> choices, Double min,
    boolean minExclusive, Double max, String help, Object probe) {

  /** Copies the choices. */
  public SamplerParameter {
    choices = List.copyOf(choices);
  }
}
