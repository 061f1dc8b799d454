package dev.dpm.runtime.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * The {@code conditioning} block of a manifest: the network takes a class label y (int64 [B], a third
 * forward argument) naming one of {@code classes} by index, or {@code nullLabel} for the unconditional
 * prediction (a network trained with label dropout). Example:
 *
 * <pre>{@code
 * "conditioning": {"type": "class-label", "input": "int64", "classes": ["t-shirt/top", ...], "nullLabel": 10}
 * }</pre>
 *
 * @param classes class names, index = label, distinct and non-blank
 * @param nullLabel the label of the unconditional prediction, ≥ 0 and not a class index
 */
public record Conditioning(List<String> classes, int nullLabel) {
  /** Validates the names and the null label. */
  public Conditioning {
    classes = List.copyOf(classes);
    if (classes.isEmpty()) {
      throw new IllegalArgumentException("conditioning.classes must name at least one class");
    }
    if (new HashSet<>(classes).size() != classes.size() || classes.stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("conditioning.classes must be distinct, non-blank names");
    }
    if (nullLabel >= 0 && nullLabel < classes.size() || nullLabel < 0) {
      throw new IllegalArgumentException("conditioning.nullLabel must be >= 0 and not a class index (0.."
          + (classes.size() - 1) + "), got " + nullLabel);
    }
  }

  /**
   * @param n the {@code conditioning} node
   * @return the block
   * @throws IllegalArgumentException naming the field at fault
   */
  static Conditioning parse(JsonNode n) {
    String type = n.path("type").asText("class-label");
    if (!type.equals("class-label")) {
      throw new IllegalArgumentException("conditioning.type must be class-label, got " + type);
    }
    String input = n.path("input").asText("int64");
    if (!input.equals("int64")) {
      throw new IllegalArgumentException("conditioning.input must be int64, got " + input);
    }
    JsonNode c = n.get("classes");
    if (c == null || !c.isArray()) {
      throw new IllegalArgumentException("conditioning.classes must be an array of names");
    }
    List<String> names = new ArrayList<>();
    for (JsonNode e : c) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException("conditioning.classes must be strings");
      }
      names.add(e.asText());
    }
    JsonNode nl = n.get("nullLabel");
    if (nl == null || !nl.canConvertToInt()) {
      throw new IllegalArgumentException("conditioning.nullLabel must be an integer");
    }
    return new Conditioning(names, nl.asInt());
  }

  /**
   * Resolves a label as a request gives it: a class index or a class name (case-insensitive).
   *
   * @param label an Integer/Long index or a String name
   * @return the class index
   * @throws IllegalArgumentException naming the allowed labels
   */
  public int resolve(Object label) {
    if (label instanceof Number num) {
      long v = num.longValue();
      if (num.doubleValue() == v && v >= 0 && v < classes.size()) {
        return (int) v;
      }
    } else if (label instanceof String s) {
      for (int i = 0; i < classes.size(); i++) {
        if (classes.get(i).toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))) {
          return i;
        }
      }
      if (s.matches("\\d{1,9}") && Integer.parseInt(s) < classes.size()) {
        return Integer.parseInt(s);
      }
    }
    throw new IllegalArgumentException("unknown label '" + label + "' (one of " + allowed() + ")");
  }

  /** @return "0 (t-shirt/top), 1 (trouser), …": the labels a request may use */
  public String allowed() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < classes.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(i).append(" (").append(classes.get(i)).append(')');
    }
    return sb.toString();
  }
}
