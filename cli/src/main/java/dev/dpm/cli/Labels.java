package dev.dpm.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpm.core.model.Condition;
import dev.dpm.core.model.Guidance;
import dev.dpm.runtime.model.Conditioning;
import dev.dpm.runtime.model.ModelSpec;
import java.util.List;

/** {@code --label} / {@code --labels} of the sampling commands, resolved against a model's classes. */
final class Labels {
  private Labels() {}

  /**
   * @param spec the model
   * @param label {@code --label} or null
   * @param labels {@code --labels} or null
   * @param n samples
   * @param guidance {@code --guidance} or null
   * @return one condition per sample, or null for unconditional samples
   * @throws UsageError for labels on an unconditional model, unknown labels, or guidance without a label
   */
  static Condition[] conditions(ModelSpec spec, String label, List<String> labels, int n, Double guidance) {
    Conditioning c = spec.conditioning();
    if (label != null && labels != null) {
      throw new UsageError("give --label or --labels, not both");
    }
    if (label == null && labels == null) {
      if (guidance != null) {
        throw new UsageError("--guidance needs --label" + (c == null ? " and a class-conditional model; "
            + spec.name() + " takes no labels" : " (one of " + c.allowed() + ")"));
      }
      return null;
    }
    if (c == null) {
      throw new UsageError((label != null ? "--label" : "--labels") + ": model " + spec.name()
          + " is not class-conditional (it takes no labels)");
    }
    if (labels != null && labels.size() != n) {
      throw new UsageError("--labels: needs one label per sample, got " + labels.size() + " for --n " + n);
    }
    Guidance g = guidance == null ? null : Guidance.of(guidance);
    Condition[] out = new Condition[n];
    try {
      int one = label == null ? -1 : c.resolve(label);
      for (int i = 0; i < n; i++) {
        out[i] = new Condition(label != null ? one : c.resolve(labels.get(i)), g);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageError((label != null ? "--label: " : "--labels: ") + e.getMessage(), e);
    }
    return out;
  }

  /** @return whether every condition has the first one's label */
  static boolean oneLabel(Condition[] conds) {
    for (Condition c : conds) {
      if (!c.label().equals(conds[0].label())) {
        return false;
      }
    }
    return true;
  }

  /** Adds {@code label} or {@code labels} to a JSON summary. */
  static void describe(ObjectNode root, Condition[] conds) {
    if (conds == null) {
      return;
    }
    if (oneLabel(conds)) {
      root.put("label", conds[0].label());
      return;
    }
    ArrayNode a = root.putArray("labels");
    for (Condition c : conds) {
      a.add(c.label());
    }
  }
}
