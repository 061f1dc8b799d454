package dev.dpm.client;

import com.fasterxml.jackson.databind.JavaType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Sends HTTP requests with the client's headers, timeout and retry policy, and maps error
 * statuses to the SDK's exceptions. Thread-safe.
 */
final class Transport {
  private static final System.Logger LOG = System.getLogger("dev.dpm.client");

  private final URI baseUri; // no trailing slash
  private final HttpClient http;
  private final Map<String, String> headers;
  private final Duration requestTimeout;
  private final RetryPolicy retry;
  private final Executor executor; // null: the common pool

  Transport(URI baseUri, HttpClient http, Map<String, String> headers, Duration requestTimeout,
      RetryPolicy retry, Executor executor) {
    this.baseUri = baseUri;
    this.http = http;
    this.headers = Map.copyOf(headers);
    this.requestTimeout = requestTimeout;
    this.retry = retry;
    this.executor = executor;
  }

  /**
   * A request to send.
   *
   * @param method GET, POST, DELETE
   * @param path the path and query under the base URL, starting with '/'
   * @param body the JSON body, or null
   * @param headers extra headers
   * @param idempotent whether retrying it is safe
   */
  record Call(String method, String path, byte[] body, Map<String, String> headers, boolean idempotent) {
    static Call get(String path) {
      return new Call("GET", path, null, Map.of(), true);
    }
  }

  /**
   * Sends once, without retries or status mapping (for probes whose error statuses carry a body).
   *
   * @param call the request
   * @return the response, whatever its status
   */
  CompletableFuture<HttpResponse<byte[]>> sendRaw(Call call) {
    return http.sendAsync(build(call), HttpResponse.BodyHandlers.ofByteArray())
        .handle((r, err) -> {
          if (err != null) {
            throw fromThrowable(call, err);
          }
          return r;
        });
  }

  URI baseUri() {
    return baseUri;
  }

  HttpClient http() {
    return http;
  }

  Map<String, String> headers() {
    return headers;
  }

  RetryPolicy retry() {
    return retry;
  }

  Executor executor() {
    return executor;
  }

  /**
   * @param call the request
   * @param type the body's type
   * @param <T> the type
   * @return the decoded 2xx body; failures are the SDK's exceptions
   */
  <T> CompletableFuture<T> json(Call call, JavaType type) {
    return send(call).thenApply(r -> decode(r, type));
  }

  <T> CompletableFuture<T> json(Call call, Class<T> type) {
    return json(call, DpmJson.shared().constructType(type));
  }

  static <T> T decode(HttpResponse<byte[]> r, JavaType type) {
    try {
      return DpmJson.shared().readValue(r.body(), type);
    } catch (IOException | RuntimeException e) {
      throw new DpmIoException("unreadable " + type.getRawClass().getSimpleName() + " in the response to "
          + r.request().method() + " " + r.uri() + ": " + e.getMessage(), e);
    }
  }

  /**
   * @param call the request
   * @return the 2xx response, after retries; failures are the SDK's exceptions
   */
  CompletableFuture<HttpResponse<byte[]>> send(Call call) {
    return attempt(call, 1);
  }

  private CompletableFuture<HttpResponse<byte[]>> attempt(Call call, int n) {
    HttpRequest req = build(call);
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
        .handle((resp, err) -> {
          DpmException failure = err != null ? fromThrowable(call, err) : fromResponse(resp);
          if (failure == null) {
            return CompletableFuture.completedFuture(resp);
          }
          Duration delay = n < retry.maxAttempts() && call.idempotent() && retryable(failure)
              ? retry.delay(n, retryAfter(failure), ThreadLocalRandom.current()::nextDouble) : null;
          if (delay == null) {
            return CompletableFuture.<HttpResponse<byte[]>>failedFuture(failure);
          }
          LOG.log(System.Logger.Level.DEBUG, () -> call.method() + " " + call.path() + " attempt " + n
              + " failed (" + failure.getMessage() + "); retrying in " + delay.toMillis() + " ms");
          return CompletableFuture.runAsync(() -> { }, delayed(delay)).thenCompose(v -> attempt(call, n + 1));
        })
        .thenCompose(f -> f);
  }

  Executor delayed(Duration d) {
    return executor == null
        ? CompletableFuture.delayedExecutor(d.toNanos(), TimeUnit.NANOSECONDS)
        : CompletableFuture.delayedExecutor(d.toNanos(), TimeUnit.NANOSECONDS, executor);
  }

  private HttpRequest build(Call call) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(call.path())).timeout(requestTimeout)
        .header("Accept", "application/json, application/problem+json;q=0.9, */*;q=0.8");
    headers.forEach(b::header);
    call.headers().forEach(b::header);
    if (call.body() != null) {
      b.header("Content-Type", "application/json");
      b.method(call.method(), HttpRequest.BodyPublishers.ofByteArray(call.body()));
    } else {
      b.method(call.method(), HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  URI uri(String pathAndQuery) {
    return URI.create(baseUri.toString() + pathAndQuery);
  }

  static boolean retryable(DpmException e) {
    if (e instanceof DpmIoException || e instanceof DpmTimeoutException || e instanceof RateLimitedException) {
      return true;
    }
    if (e instanceof DpmServiceException s) {
      int st = s.status();
      return st == 408 || st == 500 || st == 502 || st == 503 || st == 504;
    }
    return false;
  }

  private static Duration retryAfter(DpmException e) {
    return e instanceof DpmServiceException s ? s.retryAfter().orElse(null) : null;
  }

  DpmException fromThrowable(Call call, Throwable err) {
    Throwable t = unwrap(err);
    if (t instanceof DpmException d) {
      return d;
    }
    String what = call.method() + " " + call.path() + " on " + baseUri;
    if (t instanceof HttpTimeoutException) {
      return new DpmTimeoutException(what + " timed out: " + t.getMessage(), t);
    }
    if (t instanceof java.net.ConnectException) {
      return new DpmIoException("cannot reach the server at " + baseUri + " (" + call.method() + " " + call.path() + "): "
          + (t.getMessage() == null ? "connection refused" : t.getMessage())
          + " — is it running? (--server URL or $DPM_SERVER)", t);
    }
    return new DpmIoException(what + " failed: " + t, t);
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * @param r a response
   * @return null for 1xx–3xx, else the exception its status stands for
   */
  static DpmException fromResponse(HttpResponse<byte[]> r) {
    int st = r.statusCode();
    if (st < 400) {
      return null;
    }
    return fromStatus(st, r.headers(), r.body());
  }

  static DpmException fromStatus(int st, HttpHeaders h, byte[] body) {
    Problem p = problem(st, h, body);
    Duration ra = parseRetryAfter(h.firstValue("Retry-After"));
    switch (st) {
      case 400:
      case 413:
      case 415:
      case 422:
        return new ValidationException(st, p, ra);
      case 404:
        return new NotFoundException(st, p, ra);
      case 409:
        return new ConflictException(st, p, ra);
      case 429:
        return new RateLimitedException(st, p, ra);
      default:
        return st >= 500 ? new ServerException(st, p, ra) : new DpmServiceException(st, p, ra);
    }
  }

  private static Problem problem(int st, HttpHeaders h, byte[] body) {
    String ct = h.firstValue("Content-Type").orElse("");
    if (body != null && body.length > 0 && ct.contains("json")) {
      try {
        Problem p = DpmJson.shared().readValue(body, Problem.class);
        if (p != null) {
          return p.status() != null ? p : new Problem(p.type(), p.title(), st, p.detail(), p.instance(), p.errors());
        }
      } catch (IOException | RuntimeException e) {
        // not a problem body: fall through to a synthetic one
      }
    }
    String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).strip();
    if (text.length() > 500) {
      text = text.substring(0, 500) + "…";
    }
    return new Problem("about:blank", "HTTP " + st, st, text.isEmpty() ? null : text, null, null);
  }

  /**
   * @param value a Retry-After header: delay-seconds or an HTTP date
   * @return the delay (never negative), or null when absent or unreadable
   */
  static Duration parseRetryAfter(Optional<String> value) {
    if (value.isEmpty()) {
      return null;
    }
    String v = value.get().trim();
    try {
      long s = Long.parseLong(v);
      return Duration.ofSeconds(Math.max(0, s));
    } catch (NumberFormatException e) {
      try {
        Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /**
   * Percent-encodes a path segment (everything outside RFC 3986's unreserved set).
   *
   * @param s the segment
   * @return the encoded segment
   */
  static String seg(String s) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException("empty id or name");
    }
    if (s.equals(".") || s.equals("..")) {
      return s.replace(".", "%2E");
    }
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~') {
        b.append(c);
      } else {
        b.append('%').append(String.format("%02X", x & 0xff));
      }
    }
    return b.toString();
  }

  /**
   * @param s a query value
   * @return the value encoded for a query string
   */
  static String q(String s) {
    return seg(s);
  }
}
