package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * One page of {@code GET /v1/jobs} ({@code JobPage} in {@code openapi.yaml}), newest first.
 *
 * @param items the jobs
 * @param nextCursor the cursor of the next page, or null on the last page
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobPage(List<Job> items, String nextCursor) {
  /** Copies the list. */
  public JobPage {
    items = items == null ? List.of() : List.copyOf(items);
  }
}
