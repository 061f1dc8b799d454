package dev.dpm.server.api;

import dev.dpm.core.sampler.Problem;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge below the routes: requests the HTTP decoder refused (414, 431, malformed request lines) answered
 * with a problem body; the {@code Content-Type} of bodies (media types compared case-insensitively, a charset other
 * than UTF-8 a 415); the {@code Allow} header of a 405; and the request-head timeout of new connections.
 */
final class Edge {
  private static final Logger LOG = LoggerFactory.getLogger(Edge.class);
  private final List<Map.Entry<Pattern, Set<HttpMethod>>> methods = new ArrayList<>();
  private final Map<HttpConnection, Long> awaitingHead = new ConcurrentHashMap<>();

  /** @param contract the contract (paths and their methods, for {@code Allow}) */
  Edge(OpenAPIContract contract) {
    for (io.vertx.openapi.contract.Path p : contract.getPaths()) {
      String regex = "^" + Pattern.quote(p.getName()).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q") + "$";
      Set<HttpMethod> ms = new LinkedHashSet<>();
      p.getOperations().forEach(o -> ms.add(o.getHttpMethod()));
      methods.add(Map.entry(Pattern.compile(regex), ms));
    }
  }

  /**
   * @param path a request path
   * @return the methods the contract names for it (empty if none)
   */
  Set<HttpMethod> allowed(String path) {
    for (Map.Entry<Pattern, Set<HttpMethod>> e : methods) {
      if (path != null && e.getKey().matcher(path).matches()) {
        return e.getValue();
      }
    }
    return Set.of();
  }

  /** @return the value of an {@code Allow} header for the path, or null */
  String allowHeader(String path) {
    Set<HttpMethod> ms = allowed(path);
    return ms.isEmpty() ? null : String.join(", ", ms.stream().map(HttpMethod::name).sorted().toList());
  }

  /**
   * Root handler: a request with a body must say {@code application/json} (any case, charset UTF-8 if given);
   * a spelling the contract's validator does not know ({@code application/JSON}) is normalised for it.
   */
  static void contentType(RoutingContext ctx) {
    HttpServerRequest r = ctx.request();
    String ct = r.getHeader("Content-Type");
    boolean hasBody = ct != null || r.getHeader("Transfer-Encoding") != null
        || (r.getHeader("Content-Length") != null && !"0".equals(r.getHeader("Content-Length").trim()));
    if (!hasBody || r.method() == HttpMethod.GET || r.method() == HttpMethod.DELETE || r.method() == HttpMethod.HEAD) {
      ctx.next();
      return;
    }
    String[] parts = ct == null ? new String[] {""} : ct.split(";", -1);
    String media = parts[0].trim().toLowerCase(Locale.ROOT);
    if (!media.equals("application/json")) {
      ctx.fail(unsupported(ct == null ? "a body needs Content-Type: application/json"
          : "Content-Type " + media + " is not accepted: send application/json"));
      return;
    }
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", 2);
      if (kv[0].trim().equalsIgnoreCase("charset")) {
        String cs = kv.length < 2 ? "" : kv[1].trim().replace("\"", "").toLowerCase(Locale.ROOT);
        if (!cs.equals("utf-8") && !cs.equals("utf8")) {
          ctx.fail(unsupported("charset " + cs + " is not accepted: JSON bodies are UTF-8"));
          return;
        }
      }
    }
    if (!ct.equals("application/json")) {
      r.headers().set("Content-Type", "application/json");
    }
    ctx.next();
  }

  private static ProblemException unsupported(String detail) {
    return new ProblemException(415, "unsupported-media-type", "Unsupported media type", detail,
        List.of(new Problem("Content-Type", detail)), Map.of());
  }

  /**
   * The server's handler of requests the HTTP decoder could not parse: a problem body, then the connection closes.
   *
   * @param r the refused request
   */
  static void invalidRequest(HttpServerRequest r) {
    DecoderResult res = r.decoderResult();
    Throwable cause = res == null ? null : res.cause();
    int status = 400;
    String title = "Bad request";
    String detail = "the request could not be parsed";
    if (cause instanceof HttpGuard.UnsupportedVersion) { // 400, not 505: bad input is a 4xx (openapi.yaml)
      title = "HTTP version not supported";
      detail = "this server speaks HTTP/1.1 (and 1.0)";
    } else if (cause instanceof TooLongFrameException) {
      String m = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("header")) {
        status = 431;
        title = "Request header fields too large";
        detail = "the request headers exceed this server's limit";
      } else {
        status = 414;
        title = "URI too long";
        detail = "the request line exceeds this server's limit";
      }
    }
    LOG.warn("event=request-refused status={} reason=\"{}\"", status, cause == null ? "invalid" : cause.getMessage());
    String type = cause instanceof HttpGuard.UnsupportedVersion ? "/problems/http-version" : "/problems/bad-request";
    JsonObject body = new JsonObject().put("type", type).put("title", title)
        .put("status", status).put("detail", detail);
    try {
      r.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
          .putHeader("Connection", "close").end(body.encode()).onComplete(x -> r.connection().close());
    } catch (IllegalStateException e) {
      r.connection().close();
    }
  }

  /**
   * Closes a new connection that has not sent a whole request head within {@code seconds} (slow-header clients).
   *
   * @param vertx Vert.x
   * @param conn the new connection
   * @param seconds the timeout
   */
  void watchHead(Vertx vertx, HttpConnection conn, int seconds) {
    long t = vertx.setTimer(seconds * 1000L, id -> {
      if (awaitingHead.remove(conn) != null) {
        LOG.warn("event=header-timeout remote={}", conn.remoteAddress());
        conn.close();
      }
    });
    awaitingHead.put(conn, t);
    conn.closeHandler(v -> {
      Long id = awaitingHead.remove(conn);
      if (id != null) {
        vertx.cancelTimer(id);
      }
    });
  }

  /** A request head arrived on the connection: its head timeout is over. */
  void headArrived(Vertx vertx, HttpServerRequest r) {
    Long id = awaitingHead.remove(r.connection());
    if (id != null) {
      vertx.cancelTimer(id);
    }
  }

  /**
   * @param path a raw request path
   * @return whether every percent-escape in it is well formed (the router answers a bare 500 otherwise)
   */
  static boolean decodablePath(String path) {
    if (path == null) {
      return false;
    }
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '%') {
        if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
            || Character.digit(path.charAt(i + 2), 16) < 0) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }

  /** Answers a request whose path cannot be decoded with a 400 problem (before the router sees it). */
  static void badPath(HttpServerRequest r) {
    LOG.warn("event=request-refused status=400 reason=\"malformed percent-escape in the path\"");
    JsonObject body = new JsonObject().put("type", "/problems/validation").put("title", "Bad request").put("status", 400)
        .put("detail", "malformed percent-escape in the path")
        .put("errors", new io.vertx.core.json.JsonArray().add(new JsonObject().put("field", "path")
            .put("message", "malformed percent-escape")));
    r.response().setStatusCode(400).putHeader("Content-Type", "application/problem+json").end(body.encode());
  }
}
