package dev.dpm.server.api;

import dev.dpm.core.sampler.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * An error to answer with an RFC 9457 problem body. Thrown by the service layer; the API's one
 * failure handler turns it into {@code application/problem+json}.
 */
public final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String type;
  private final String title;
  private final List<Problem> errors;
  private final Map<String, String> headers;

  /**
   * @param status HTTP status
   * @param type problem type slug (e.g. {@code validation}); becomes {@code /problems/<type>}
   * @param title short summary
   * @param detail explanation
   * @param errors field errors (may be empty)
   * @param headers extra response headers (e.g. Retry-After)
   */
  public ProblemException(int status, String type, String title, String detail, List<Problem> errors,
      Map<String, String> headers) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.headers = Map.copyOf(headers);
  }

  /**
   * @param problems field problems
   * @return a 400 naming them
   */
  public static ProblemException invalid(List<Problem> problems) {
    StringBuilder sb = new StringBuilder();
    for (Problem p : problems) {
      sb.append(sb.length() == 0 ? "" : "; ").append(p);
    }
    return new ProblemException(400, "validation", "Invalid request", sb.toString(), problems, Map.of());
  }

  /**
   * @param field the field
   * @param message the message
   * @return a 400 naming one field
   */
  public static ProblemException invalid(String field, String message) {
    return invalid(List.of(new Problem(field, message)));
  }

  /**
   * @param what e.g. "job 'x'"
   * @return a 404
   */
  public static ProblemException notFound(String what) {
    return new ProblemException(404, "not-found", "Not found", "no " + what, List.of(), Map.of());
  }

  /**
   * @param detail explanation
   * @return a 409
   */
  public static ProblemException conflict(String detail) {
    return new ProblemException(409, "conflict", "Conflict", detail, List.of(), Map.of());
  }

  /** @return HTTP status */
  public int status() {
    return status;
  }

  /** @return extra headers */
  public Map<String, String> headers() {
    return headers;
  }

  /** @return field errors */
  public List<Problem> errors() {
    return errors;
  }

  /** @return the problem body */
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("type", "/problems/" + type).put("title", title)
        .put("status", status).put("detail", getMessage());
    if (!errors.isEmpty()) {
      JsonArray a = new JsonArray();
      for (Problem p : errors) {
        a.add(new JsonObject().put("field", p.field()).put("message", p.message()));
      }
      o.put("errors", a);
    }
    return o;
  }
}
