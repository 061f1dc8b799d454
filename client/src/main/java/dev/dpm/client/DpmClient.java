package dev.dpm.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The Java client of DPM Server: submit sampling jobs, follow their progress, fetch their
 * samples. Blocking calls here; {@link #async()} has the same calls returning
 * {@link CompletableFuture}s. Errors are unchecked {@link DpmException}s. Thread-safe; build one
 * per application and close it at the end.
 *
 * <pre>{@code
 * try (DpmClient client = DpmClient.builder().setBaseUrl("http://localhost:8080").build()) {
 *   SampleResult r = client.sample(JobRequest.builder("gmm-ring-2d",
 *       SamplerParams.of(SamplerName.ANALYTIC_DDPM, 50)).optN(16).build());
 *   float[] first = r.samples().sample(0);
 * }
 * }</pre>
 */
public final class DpmClient implements AutoCloseable {
  private final DpmAsyncClient async;
  private final Duration awaitTimeout;

  private DpmClient(DpmAsyncClient async, Duration awaitTimeout) {
    this.async = async;
    this.awaitTimeout = awaitTimeout;
  }

  /** @return a builder; {@link Builder#setBaseUrl} is required */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the asynchronous face of this client (same connections and settings) */
  public DpmAsyncClient async() {
    return async;
  }

  /**
   * Submits a sampling job with a fresh {@code Idempotency-Key} (retries never create a second job).
   *
   * @param request the job
   * @return the job, queued
   */
  public Job submit(JobRequest request) {
    return join(async.submit(request));
  }

  /**
   * Submits a sampling job with the caller's {@code Idempotency-Key}.
   *
   * @param request the job
   * @param idempotencyKey 1–200 printable ASCII characters, e.g. a UUID
   * @return the job (the first one submitted with this key, on a repeat)
   */
  public Job submit(JobRequest request, String idempotencyKey) {
    return join(async.submit(request, idempotencyKey));
  }

  /**
   * @param id a job id
   * @return the job
   */
  public Job get(String id) {
    return join(async.get(id));
  }

  /**
   * @param params filter and page size
   * @param cursor the previous page's {@code nextCursor}, or null
   * @return one page of jobs, newest first
   */
  public JobPage listPage(JobListParams params, String cursor) {
    return join(async.listPage(params, cursor));
  }

  /** @return every job, newest first, fetching pages lazily as the stream is consumed */
  public Stream<Job> list() {
    return list(JobListParams.all());
  }

  /**
   * Every job matching the filter, newest first; pages are fetched lazily, following the cursor,
   * as the stream is consumed (use {@code limit(k)} to stop early).
   *
   * @param params filter and page size
   * @return the jobs
   */
  public Stream<Job> list(JobListParams params) {
    Objects.requireNonNull(params, "params");
    Iterator<Job> it = new Iterator<>() {
      private Iterator<Job> page = Collections.emptyIterator();
      private String cursor;
      private boolean last;

      @Override
      public boolean hasNext() {
        while (!page.hasNext()) {
          if (last) {
            return false;
          }
          JobPage p = listPage(params, cursor);
          if (p.nextCursor() == null) {
            last = true;
          } else if (p.nextCursor().equals(cursor)) {
            throw new DpmIoException("the server repeated the cursor " + cursor, null);
          }
          cursor = p.nextCursor();
          page = p.items().iterator();
        }
        return true;
      }

      @Override
      public Job next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.next();
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false);
  }

  /**
   * Cancels a job (a no-op for a canceled job; {@link ConflictException} for a finished one).
   *
   * @param id a job id
   * @return the job, canceled or stopping
   */
  public Job cancel(String id) {
    return join(async.cancel(id));
  }

  /**
   * Blocks until a job reaches its terminal status.
   *
   * @param id a job id
   * @param timeout how long to wait
   * @return the job, succeeded, failed or canceled
   * @throws DpmTimeoutException when time runs out (the job keeps running)
   */
  public Job await(String id, Duration timeout) {
    return join(async.await(id, timeout));
  }

  /**
   * Blocks until a job reaches its terminal status, passing its events to a listener on the way.
   *
   * @param id a job id
   * @param timeout how long to wait
   * @param listener the callbacks, or null
   * @return the job, succeeded, failed or canceled
   * @throws DpmTimeoutException when time runs out (the job keeps running)
   */
  public Job await(String id, Duration timeout, JobEventListener listener) {
    return join(async.await(id, timeout, listener));
  }

  /**
   * Submits a job, waits for it (up to the client's await timeout) and fetches its samples.
   *
   * @param request the job
   * @return the succeeded job and its samples
   * @throws JobFailedException if the job failed or was canceled
   */
  public SampleResult sample(JobRequest request) {
    return sample(request, awaitTimeout, null);
  }

  /**
   * Submits a job, waits for it, passing its events to a listener, and fetches its samples.
   *
   * @param request the job
   * @param timeout how long to wait for the job
   * @param listener the callbacks (e.g. {@link JobEventListener#progress}), or null
   * @return the succeeded job and its samples
   * @throws JobFailedException if the job failed or was canceled
   * @throws DpmTimeoutException when time runs out (the job keeps running)
   */
  public SampleResult sample(JobRequest request, Duration timeout, JobEventListener listener) {
    return join(async.sample(request, timeout, listener));
  }

  /** @return every model of the server's repository: served ones, and failed ones with their error */
  public List<Model> models() {
    return join(async.models());
  }

  /**
   * @param name a model name
   * @return the model
   */
  public Model model(String name) {
    return join(async.model(name));
  }

  /**
   * Loads a folder of the server's models directory (admin; see {@link DpmAsyncClient#loadModel}).
   *
   * @param name the folder name
   * @return the model, now served
   */
  public Model loadModel(String name) {
    return join(async.loadModel(name));
  }

  /**
   * Loads a model's folder again (admin; see {@link DpmAsyncClient#reloadModel}).
   *
   * @param name the model name
   * @return the new version
   */
  public Model reloadModel(String name) {
    return join(async.reloadModel(name));
  }

  /**
   * Stops serving a model (admin; see {@link DpmAsyncClient#unloadModel}).
   *
   * @param name the model name
   * @return what was unloaded
   */
  public UnloadedModel unloadModel(String name) {
    return join(async.unloadModel(name));
  }

  /**
   * Issues a single-use WebSocket token (see {@link DpmAsyncClient#wsToken}).
   *
   * @return the token
   */
  public WsToken wsToken() {
    return join(async.wsToken());
  }

  /**
   * Starts a Γ calibration job.
   *
   * @param model a model name
   * @param request the calibration
   * @return the job
   */
  public Job calibrate(String model, CalibrationRequest request) {
    return join(async.calibrate(model, request));
  }

  /**
   * Downloads a result file of a succeeded job.
   *
   * @param id a job id
   * @param format npy, png or json
   * @return the file (decode with {@link ResultFile#toArray()} / {@link ResultFile#toImage()},
   *     save with {@link ResultFile#saveTo})
   */
  public ResultFile result(String id, OutputFormat format) {
    return join(async.result(id, format));
  }

  /**
   * Downloads one sample's PNG (image models), or another result file with an index.
   *
   * @param id a job id
   * @param format the format
   * @param index the sample index
   * @return the file
   */
  public ResultFile result(String id, OutputFormat format, int index) {
    return join(async.result(id, format, index));
  }

  /**
   * @param id a job id
   * @return all samples of a succeeded job, shape {@code [n, ...sampleShape]}
   */
  public NpyArray samples(String id) {
    return join(async.samples(id));
  }

  /** @return liveness */
  public Health health() {
    return join(async.health());
  }

  /** @return readiness (status DOWN while models load) */
  public Health ready() {
    return join(async.ready());
  }

  /**
   * Follows a job's events (current state, then live, until the terminal event), reconnecting
   * and resuming by itself. Returns at once.
   *
   * @param id a job id
   * @param listener the callbacks
   * @return the subscription; close it to stop early
   */
  public EventSubscription events(String id, JobEventListener listener) {
    return async.events(id, listener);
  }

  /**
   * Follows a job's events after a known {@code seq}.
   *
   * @param id a job id
   * @param after the last {@code seq} seen
   * @param listener the callbacks
   * @return the subscription
   */
  public EventSubscription events(String id, long after, JobEventListener listener) {
    return async.events(id, after, listener);
  }

  /**
   * Follows every job's events, live, until closed.
   *
   * @param listener the callbacks
   * @return the subscription
   */
  public EventSubscription allEvents(JobEventListener listener) {
    return async.allEvents(listener);
  }

  /**
   * @param id a job id
   * @return a {@link Flow.Publisher} of the job's events, completing after the terminal event
   */
  public Flow.Publisher<JobEvent> eventPublisher(String id) {
    return async.eventPublisher(id);
  }

  /** Closes every open event subscription. Jobs on the server are not affected. */
  @Override
  public void close() {
    async.closeAll();
  }

  /**
   * Waits for a future of this SDK and rethrows its {@link DpmException} as is.
   *
   * @param f the future
   * @param <T> the result type
   * @return the result
   */
  static <T> T join(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new DpmIoException("interrupted", e);
    } catch (ExecutionException | CompletionException e) {
      Throwable t = Transport.unwrap(e);
      if (t instanceof DpmException d) {
        throw d;
      }
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error err) {
        throw err;
      }
      throw new DpmException(String.valueOf(t.getMessage()), t);
    }
  }

  /** Builder of {@link DpmClient}: {@code set*} is required, {@code opt*} optional. */
  public static final class Builder {
    private URI baseUrl;
    private String apiKey;
    private String apiKeyHeader = "Authorization";
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Duration awaitTimeout = Duration.ofMinutes(10);
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private RetryPolicy reconnectPolicy = new RetryPolicy(10, Duration.ofMillis(250), Duration.ofSeconds(5), 0.2);
    private Duration pingInterval = Duration.ofSeconds(15);
    private Executor executor;

    private Builder() {}

    /**
     * @param url the server, e.g. {@code http://localhost:8080} (a path prefix is kept)
     * @return this
     */
    public Builder setBaseUrl(String url) {
      return setBaseUrl(URI.create(Objects.requireNonNull(url, "url")));
    }

    /**
     * @param url the server (http or https)
     * @return this
     */
    public Builder setBaseUrl(URI url) {
      Objects.requireNonNull(url, "url");
      String scheme = url.getScheme();
      if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || url.getHost() == null) {
        throw new IllegalArgumentException("base URL must be an absolute http(s) URL, was " + url);
      }
      if (url.getQuery() != null || url.getFragment() != null) {
        throw new IllegalArgumentException("base URL must not have a query or fragment, was " + url);
      }
      String s = url.toString();
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      baseUrl = URI.create(s);
      return this;
    }

    /**
     * An API key, sent on every request and event socket as {@code Authorization: Bearer <key>}
     * (or under {@link #optApiKeyHeader}).
     *
     * @param key the key, or null for none
     * @return this
     */
    public Builder optApiKey(String key) {
      apiKey = key;
      return this;
    }

    /**
     * Sends the API key under another header, as is (e.g. {@code X-Api-Key}).
     *
     * @param header the header name
     * @return this
     */
    public Builder optApiKeyHeader(String header) {
      apiKeyHeader = Objects.requireNonNull(header, "header");
      return this;
    }

    /**
     * A header sent on every request and event socket.
     *
     * @param name the name
     * @param value the value
     * @return this
     */
    public Builder optHeader(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** @param d the TCP/TLS connect timeout (default 10 s) @return this */
    public Builder optConnectTimeout(Duration d) {
      connectTimeout = positive(d, "connectTimeout");
      return this;
    }

    /** @param d the timeout of each HTTP request attempt until its response headers (default 60 s) @return this */
    public Builder optRequestTimeout(Duration d) {
      requestTimeout = positive(d, "requestTimeout");
      return this;
    }

    /** @param d how long {@link DpmClient#sample(JobRequest)} waits for the job (default 10 min) @return this */
    public Builder optAwaitTimeout(Duration d) {
      awaitTimeout = positive(d, "awaitTimeout");
      return this;
    }

    /** @param p the retry policy of HTTP calls (default {@link RetryPolicy#defaults()}) @return this */
    public Builder optRetryPolicy(RetryPolicy p) {
      retryPolicy = Objects.requireNonNull(p, "retryPolicy");
      return this;
    }

    /**
     * @param p how event sockets reconnect: consecutive attempts without a new event (default 10
     *     attempts, 250 ms doubling to 5 s)
     * @return this
     */
    public Builder optReconnectPolicy(RetryPolicy p) {
      reconnectPolicy = Objects.requireNonNull(p, "reconnectPolicy");
      return this;
    }

    /**
     * @param d how often event sockets ping the server; a socket not heard from for two intervals
     *     is reconnected (default 15 s)
     * @return this
     */
    public Builder optEventPingInterval(Duration d) {
      pingInterval = positive(d, "pingInterval");
      return this;
    }

    /**
     * @param e runs the HTTP client's work, event callbacks and retry delays (default: the JDK
     *     HTTP client's own pool and the common pool)
     * @return this
     */
    public Builder optExecutor(Executor e) {
      executor = Objects.requireNonNull(e, "executor");
      return this;
    }

    /**
     * @return the client
     * @throws IllegalStateException without a base URL
     */
    public DpmClient build() {
      if (baseUrl == null) {
        throw new IllegalStateException("setBaseUrl(...) is required");
      }
      HttpClient.Builder hb = HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(connectTimeout)
          .followRedirects(HttpClient.Redirect.NORMAL);
      if (executor != null) {
        hb.executor(executor);
      }
      Map<String, String> h = new LinkedHashMap<>();
      h.put("User-Agent", "dpm-client-java/0.1.0 (Java " + Runtime.version().feature() + ")");
      h.putAll(headers);
      if (apiKey != null) {
        h.put(apiKeyHeader, "Authorization".equalsIgnoreCase(apiKeyHeader) ? "Bearer " + apiKey : apiKey);
      }
      Transport t = new Transport(baseUrl, hb.build(), h, requestTimeout, retryPolicy, executor);
      return new DpmClient(new DpmAsyncClient(t, reconnectPolicy, connectTimeout, pingInterval), awaitTimeout);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }
}
