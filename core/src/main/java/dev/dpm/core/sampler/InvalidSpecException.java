package dev.dpm.core.sampler;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown by the constructor of a {@link SamplerSpec} record: every problem found, each naming its field. */
public final class InvalidSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final transient List<Problem> problems;

  /** @param problems what is wrong (not empty) */
  public InvalidSpecException(List<Problem> problems) {
    super(problems.stream().map(p -> p.field() + ": " + p.message()).collect(Collectors.joining("; ")));
    this.problems = List.copyOf(problems);
  }

  /** @return the problems */
  public List<Problem> problems() {
    return problems;
  }

  /**
   * @param problems what was found
   * @throws InvalidSpecException when there is anything
   */
  static void throwIf(List<Problem> problems) {
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
  }
}
