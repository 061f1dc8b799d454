package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The body of {@code GET /v1/models}.
 *
 * @param items the models
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ModelList(List<Model> items) {
  ModelList {
    items = items == null ? List.of() : List.copyOf(items);
  }
}
