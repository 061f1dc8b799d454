package dev.dpm.server.api;

import dev.dpm.core.sampler.Problem;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler: every rejection (contract validation, broken JSON, oversize body,
 * unknown route or id, service problems) becomes an RFC 9457 {@code application/problem+json}
 * body naming the offending field. Only an unexpected exception is a 500, and it is logged.
 */
public final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  private static final Pattern QUOTED = Pattern.compile("[\"']([^\"']+)[\"']");
  private static final Pattern PARAM = Pattern.compile("(?:query|path|header|cookie) parameter:? ([A-Za-z0-9_-]+)");

  private Problems() {}

  /**
   * Writes the problem for a failed routing context.
   *
   * @param ctx the failed context
   */
  public static void handle(RoutingContext ctx) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException) {
      LOG.info("event=client-gone method={} path={}", ctx.request().method(), ctx.request().path());
      return; // nobody left to answer (the client went away, or the edge refused the connection's body)
    }
    ProblemException p = toProblem(ctx.failure(), ctx.statusCode());
    if (p.status() >= 500) {
      LOG.error("event=request-failed method={} path={} error={}", ctx.request().method(),
          ctx.request().path(), String.valueOf(ctx.failure()), ctx.failure());
    }
    var resp = ctx.response();
    if (resp.headWritten()) {
      resp.reset();
      return;
    }
    resp.setStatusCode(p.status()).putHeader("Content-Type", "application/problem+json");
    p.headers().forEach(resp::putHeader);
    JsonObject body = p.toJson().put("instance", ctx.request().path());
    resp.end(body.encode());
  }

  /**
   * @param failure the failure (may be null)
   * @param status the context's status code (-1 if none)
   * @return the problem to answer
   */
  static ProblemException toProblem(Throwable failure, int status) {
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof dev.dpm.server.jobs.RejectedException r) {
        return Rejections.toProblem(r.rejection());
      }
      if (t instanceof ProblemException || t instanceof ValidatorException || t instanceof DecodeException) {
        failure = t;
        break;
      }
    }
    if (failure instanceof ProblemException p) {
      return p;
    }
    if (failure instanceof SchemaValidationException sve) {
      return ProblemException.invalid(schemaProblems(sve));
    }
    if (failure instanceof ValidatorException ve) {
      String msg = ve.getMessage() == null ? "invalid request" : ve.getMessage();
      String lower = msg.toLowerCase(java.util.Locale.ROOT);
      if (lower.contains("content-type") || lower.contains("content type") || lower.contains("media type")) {
        return new ProblemException(415, "unsupported-media-type", "Unsupported media type",
            msg + " (send Content-Type: application/json)", List.of(new Problem("Content-Type", msg)), Map.of());
      }
      if (lower.contains("url")) {
        return ProblemException.invalid("query", msg);
      }
      if (lower.contains("decode") || lower.contains("json")) {
        return ProblemException.invalid("body", "not valid JSON: " + msg);
      }
      return ProblemException.invalid(fieldOf(msg, "request"), msg);
    }
    if (failure instanceof DecodeException de) {
      return ProblemException.invalid("body", "not valid JSON: " + de.getMessage());
    }
    int code = status;
    if (failure instanceof HttpException he) {
      code = he.getStatusCode();
    }
    if (code == 413) {
      return new ProblemException(413, "too-large", "Request body too large",
          "the body exceeds this server's limit", List.of(new Problem("body", "too large")), Map.of());
    }
    if (code == 404) {
      return new ProblemException(404, "not-found", "Not found", "no such resource", List.of(), Map.of());
    }
    if (code == 405) {
      return new ProblemException(405, "method-not-allowed", "Method not allowed",
          "this resource does not support that method", List.of(), Map.of());
    }
    if (code == 415) {
      return new ProblemException(415, "unsupported-media-type", "Unsupported media type",
          "send Content-Type: application/json", List.of(new Problem("Content-Type", "must be application/json")), Map.of());
    }
    if (code >= 400 && code < 500) {
      return new ProblemException(code, "bad-request", "Bad request",
          failure == null ? "bad request" : String.valueOf(failure.getMessage()), List.of(), Map.of());
    }
    return new ProblemException(500, "internal", "Internal error",
        "the server failed to handle the request", List.of(), Map.of());
  }

  private static List<Problem> schemaProblems(SchemaValidationException e) {
    String param = fieldOf(e.getMessage(), null);
    List<OutputUnit> leaves = new ArrayList<>();
    flatten(e.getOutputUnit(), leaves);
    Map<String, List<OutputUnit>> byLoc = new LinkedHashMap<>();
    for (OutputUnit u : leaves) {
      if (u.getError() != null) {
        byLoc.computeIfAbsent(pointerToField(u.getInstanceLocation()), k -> new ArrayList<>()).add(u);
      }
    }
    Map<String, String> concrete = new LinkedHashMap<>();
    Map<String, String> generic = new LinkedHashMap<>();
    for (Map.Entry<String, List<OutputUnit>> en : byLoc.entrySet()) {
      String loc = en.getKey();
      boolean additional = false;
      boolean found = false;
      for (OutputUnit u : en.getValue()) {
        String kw = u.getKeywordLocation() == null ? "" : u.getKeywordLocation();
        String msg = u.getError();
        if (kw.endsWith("/additionalProperties") || kw.endsWith("/unevaluatedProperties")) {
          additional = true;
        } else if (kw.endsWith("/required")) {
          Matcher m = QUOTED.matcher(msg);
          String name = m.find() ? m.group(1) : "";
          concrete.putIfAbsent(join(loc, name), "is required");
          found = true;
        } else if (!kw.endsWith("/properties") && !kw.endsWith("/$ref") && !kw.endsWith("/items")
            && !kw.endsWith("/prefixItems") && !msg.startsWith("A subschema had errors")) {
          concrete.putIfAbsent(loc, msg);
          found = true;
        }
      }
      if (!found) {
        if (additional && en.getValue().stream().allMatch(u -> String.valueOf(u.getKeywordLocation())
            .endsWith("Properties"))) {
          concrete.putIfAbsent(loc, "unknown field");
        } else {
          generic.putIfAbsent(loc, en.getValue().get(0).getError());
        }
      }
    }
    for (Map.Entry<String, String> g : generic.entrySet()) {
      boolean parent = concrete.keySet().stream().anyMatch(f -> g.getKey().isEmpty() || f.startsWith(g.getKey() + "."));
      if (!parent) {
        concrete.putIfAbsent(g.getKey(), g.getValue());
      }
    }
    List<Problem> ps = new ArrayList<>();
    for (Map.Entry<String, String> c : concrete.entrySet()) {
      String field = c.getKey();
      if (param != null && !param.equals("body")) {
        field = param;
      } else if (field.isEmpty()) {
        field = "body";
      }
      ps.add(new Problem(field, c.getValue()));
    }
    if (ps.isEmpty()) {
      ps.add(new Problem(param == null ? "body" : param, e.getMessage()));
    }
    return ps;
  }

  private static String join(String loc, String name) {
    return loc.isEmpty() ? name : name.isEmpty() ? loc : loc + "." + name;
  }

  private static void flatten(OutputUnit u, List<OutputUnit> out) {
    if (u == null) {
      return;
    }
    if (u.getErrors() != null && !u.getErrors().isEmpty()) {
      for (OutputUnit c : u.getErrors()) {
        flatten(c, out);
      }
    } else {
      out.add(u);
    }
  }

  /**
   * @param pointer a JSON pointer ({@code /sampler/steps}, {@code #/n})
   * @return dotted form ({@code sampler.steps}), {@code ""} for the root
   */
  static String pointerToField(String pointer) {
    if (pointer == null) {
      return "";
    }
    String p = pointer.startsWith("#") ? pointer.substring(1) : pointer;
    if (p.startsWith("/")) {
      p = p.substring(1);
    }
    return p.replace('/', '.').replace("~1", "/").replace("~0", "~");
  }

  private static String fieldOf(String message, String fallback) {
    if (message == null) {
      return fallback;
    }
    Matcher m = PARAM.matcher(message);
    if (m.find()) {
      return m.group(1);
    }
    if (message.toLowerCase(java.util.Locale.ROOT).contains("request body")) {
      return "body";
    }
    return fallback;
  }
}
