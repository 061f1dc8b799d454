package dev.dpm.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpm.core.model.PredictionType;
import dev.dpm.core.model.SecondHead;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a TorchScript network returns, from the manifest's {@code outputs}: absent, the network
 * returns one tensor (its {@code prediction}); present, it returns a tuple of tensors of the sample
 * shape in the listed order, the first the prediction and the others second heads of the extended
 * analytic family, e.g. {@code "outputs": ["eps", "eps2"]} (SN-DPM) or {@code ["eps", "epsc"]}
 * (NPR-DPM). Oracle models carry both heads in closed form and take no {@code outputs}.
 *
 * @param names the tuple's entries, in order (one entry: a single tensor)
 */
public record NetworkOutputs(List<String> names) {
  /** Validates and copies. */
  public NetworkOutputs {
    names = List.copyOf(names);
    if (names.isEmpty()) {
      throw new IllegalArgumentException("outputs must name at least the prediction");
    }
  }

  /** The single-tensor network: its prediction only. */
  static NetworkOutputs single(PredictionType prediction) {
    return new NetworkOutputs(List.of(prediction.wire()));
  }

  /**
   * Reads {@code outputs} of a manifest.
   *
   * @param manifest the manifest's JSON
   * @param prediction the manifest's prediction type (the first output must be it)
   * @param oracle whether the model is a Gaussian-mixture oracle (no outputs allowed)
   * @return the outputs
   * @throws IllegalArgumentException naming the field when the list is invalid
   */
  public static NetworkOutputs parse(JsonNode manifest, PredictionType prediction, boolean oracle) {
    JsonNode n = manifest.get("outputs");
    if (n == null || n.isNull()) {
      return single(prediction);
    }
    if (oracle) {
      throw new IllegalArgumentException("outputs: an oracle model has no network (it carries both heads already)");
    }
    if (!n.isArray() || n.isEmpty()) {
      throw new IllegalArgumentException("outputs must be a non-empty array, e.g. [\"eps\", \"eps2\"]");
    }
    List<String> names = new ArrayList<>();
    for (JsonNode e : n) {
      names.add(e.asText());
    }
    if (!names.get(0).equals(prediction.wire())) {
      throw new IllegalArgumentException("outputs[0] must be the prediction '" + prediction.wire() + "', got '"
          + names.get(0) + "'");
    }
    Set<SecondHead> seen = EnumSet.noneOf(SecondHead.class);
    for (int i = 1; i < names.size(); i++) {
      SecondHead h;
      try {
        h = SecondHead.parse(names.get(i));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("outputs[" + i + "]: " + e.getMessage(), e);
      }
      if (!seen.add(h)) {
        throw new IllegalArgumentException("outputs[" + i + "]: " + h.wire() + " is listed twice");
      }
    }
    return new NetworkOutputs(names);
  }

  /** @return the number of tensors the network returns */
  public int count() {
    return names.size();
  }

  /** @return the second heads listed */
  public Set<SecondHead> heads() {
    Set<SecondHead> s = EnumSet.noneOf(SecondHead.class);
    for (int i = 1; i < names.size(); i++) {
      s.add(SecondHead.parse(names.get(i)));
    }
    return s;
  }

  /**
   * @param head a listed head
   * @return its position in the tuple (≥ 1)
   * @throws IllegalArgumentException if it is not listed
   */
  public int indexOf(SecondHead head) {
    int i = names.indexOf(head.wire());
    if (i < 1) {
      throw new IllegalArgumentException("the network has no " + head.wire() + " output (outputs " + names + ")");
    }
    return i;
  }
}
