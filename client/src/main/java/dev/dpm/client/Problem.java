package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/**
 * An RFC 9457 problem, the body of every error response ({@code Problem} in {@code openapi.yaml}).
 *
 * @param type a URI reference naming the problem type, e.g. {@code /problems/validation}
 * @param title a short summary
 * @param status the HTTP status
 * @param detail a human-readable explanation
 * @param instance a URI reference naming this occurrence
 * @param errors the offending fields, named as the request spells them ({@code sampler.steps})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Problem(String type, String title, Integer status, String detail, String instance,
    List<FieldError> errors) {

  /** Copies the list. */
  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  /**
   * @param field a field name, e.g. {@code sampler.steps}
   * @return the first error about that field
   */
  public Optional<FieldError> error(String field) {
    return errors.stream().filter(e -> field.equals(e.field())).findFirst();
  }

  /**
   * One offending field.
   *
   * @param field the field, as the request spells it ({@code n}, {@code sampler.eta}, {@code Idempotency-Key})
   * @param message what is wrong with it
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FieldError(String field, String message) {}
}
