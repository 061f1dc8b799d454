package dev.dpm.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;

/**
 * The asynchronous face of {@link DpmClient} (get it with {@link DpmClient#async()}): every call
 * returns at once with a {@link CompletableFuture} that completes with the typed result, or
 * exceptionally with a {@link DpmException} (retries, within the client's {@link RetryPolicy},
 * happen before that). Thread-safe; share one per application.
 */
public final class DpmAsyncClient {
  /** The header that makes a submit safe to retry. */
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final Transport transport;
  private final RetryPolicy reconnect;
  private final Duration connectTimeout;
  private final Duration pingInterval;
  private final Set<EventStream> open = ConcurrentHashMap.newKeySet();

  DpmAsyncClient(Transport transport, RetryPolicy reconnect, Duration connectTimeout, Duration pingInterval) {
    this.transport = transport;
    this.reconnect = reconnect;
    this.connectTimeout = connectTimeout;
    this.pingInterval = pingInterval;
  }

  /**
   * Submits a sampling job with a fresh {@code Idempotency-Key}, so retries after a lost response
   * return the job the first attempt created instead of a second one.
   *
   * @param request the job
   * @return the job, queued (202) or, on a replay, as it is now
   */
  public CompletableFuture<Job> submit(JobRequest request) {
    return submit(request, UUID.randomUUID().toString());
  }

  /**
   * Submits a sampling job with the caller's {@code Idempotency-Key}: submitting again with the
   * same key and body (even from another process) returns the first job; the same key with another
   * body fails with {@link ConflictException}.
   *
   * @param request the job
   * @param idempotencyKey 1–200 printable ASCII characters, e.g. a UUID
   * @return the job
   */
  public CompletableFuture<Job> submit(JobRequest request, String idempotencyKey) {
    Objects.requireNonNull(request, "request");
    checkKey(idempotencyKey);
    return transport.json(new Transport.Call("POST", "/v1/jobs", body(request),
        Map.of(IDEMPOTENCY_KEY, idempotencyKey), true), Job.class);
  }

  /**
   * @param id a job id
   * @return the job's status, progress, timings and result links
   */
  public CompletableFuture<Job> get(String id) {
    return transport.json(Transport.Call.get("/v1/jobs/" + Transport.seg(id)), Job.class);
  }

  /**
   * One page of jobs, newest first.
   *
   * @param params filter and page size
   * @param cursor the previous page's {@link JobPage#nextCursor()}, or null for the first page
   * @return the page
   */
  public CompletableFuture<JobPage> listPage(JobListParams params, String cursor) {
    StringBuilder q = new StringBuilder();
    if (params.status() != null) {
      q.append("&status=").append(Transport.q(params.status().wire()));
    }
    if (params.pageSize() != null) {
      q.append("&limit=").append(params.pageSize());
    }
    if (cursor != null) {
      q.append("&cursor=").append(Transport.q(cursor));
    }
    String query = q.length() == 0 ? "" : "?" + q.substring(1);
    return transport.json(Transport.Call.get("/v1/jobs" + query), JobPage.class);
  }

  /**
   * Cancels a job: a queued job at once, a running one at its next model evaluation. Canceling a
   * canceled job is a no-op; canceling a succeeded or failed job is a {@link ConflictException}.
   *
   * @param id a job id
   * @return the job, canceled (or still stopping, if it has not stopped within a few seconds)
   */
  public CompletableFuture<Job> cancel(String id) {
    return transport.json(new Transport.Call("DELETE", "/v1/jobs/" + Transport.seg(id), null, Map.of(), true),
        Job.class);
  }

  /**
   * Waits for a job to reach its terminal status, following its event stream.
   *
   * @param id a job id
   * @param timeout how long to wait, or null for no limit
   * @return the job, succeeded, failed or canceled; {@link DpmTimeoutException} when time runs out
   */
  public CompletableFuture<Job> await(String id, Duration timeout) {
    return await(id, timeout, null);
  }

  /**
   * Waits for a job to reach its terminal status, passing each event to a listener on the way.
   *
   * @param id a job id
   * @param timeout how long to wait, or null for no limit
   * @param listener gets every event (progress, previews, the terminal event), or null
   * @return the job, succeeded, failed or canceled; {@link DpmTimeoutException} when time runs out
   */
  public CompletableFuture<Job> await(String id, Duration timeout, JobEventListener listener) {
    CompletableFuture<Job> result = new CompletableFuture<>();
    EventSubscription sub = events(id, -1, new JobEventListener() {
      @Override
      public void onEvent(JobEvent e) {
        if (listener != null) {
          try {
            listener.onEvent(e);
          } catch (RuntimeException ex) {
            System.getLogger("dev.dpm.client").log(System.Logger.Level.WARNING, "event listener threw", ex);
          }
        }
        if (e.isTerminal()) {
          if (e.job() != null && e.job().isTerminal()) {
            result.complete(e.job());
          } else {
            get(id).whenComplete((j, err) -> {
              if (err != null) {
                result.completeExceptionally(Transport.unwrap(err));
              } else {
                result.complete(j);
              }
            });
          }
        }
      }

      @Override
      public void onError(DpmException error) {
        if (listener != null) {
          try {
            listener.onError(error);
          } catch (RuntimeException ex) {
            System.getLogger("dev.dpm.client").log(System.Logger.Level.WARNING, "event listener threw", ex);
          }
        }
        result.completeExceptionally(error);
      }
    });
    CompletableFuture<Job> timed = timeout == null ? result
        : result.orTimeout(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
    return timed.handle((job, err) -> {
      sub.close();
      if (err == null) {
        return job;
      }
      Throwable t = Transport.unwrap(err);
      if (t instanceof TimeoutException) {
        throw new DpmTimeoutException("job " + id + " did not finish within " + timeout, t);
      }
      throw t instanceof DpmException d ? d : new DpmException("await " + id + " failed: " + t, t);
    });
  }

  /**
   * Submits a job, waits for it and fetches its samples.
   *
   * @param request the job
   * @param timeout how long to wait for the job, or null for no limit
   * @param listener gets the job's events while it runs, or null
   * @return the succeeded job and its samples; {@link JobFailedException} if it failed or was
   *     canceled, {@link DpmTimeoutException} when time runs out
   */
  public CompletableFuture<SampleResult> sample(JobRequest request, Duration timeout, JobEventListener listener) {
    return submit(request)
        .thenCompose(job -> await(job.id(), timeout, listener))
        .thenCompose(job -> {
          if (job.status() != JobStatus.SUCCEEDED) {
            return CompletableFuture.failedFuture(new JobFailedException(job));
          }
          if (!job.outputs().contains(OutputFormat.NPY)) {
            return CompletableFuture.completedFuture(new SampleResult(job, null));
          }
          return samples(job.id()).thenApply(a -> new SampleResult(job, a));
        });
  }

  /** @return every model of the server's repository: served ones with their samplers and Γ status, failed ones with their error */
  public CompletableFuture<List<Model>> models() {
    return transport.json(Transport.Call.get("/v1/models"), ModelList.class).thenApply(ModelList::items);
  }

  /**
   * @param name a model name
   * @return the model's manifest, samplers and Γ status
   */
  public CompletableFuture<Model> model(String name) {
    return transport.json(Transport.Call.get("/v1/models/" + Transport.seg(name)), Model.class);
  }

  /**
   * Loads a folder of the server's models directory without a restart (an admin operation):
   * {@link NotFoundException} when there is no such folder, {@link ConflictException} when it is loaded already,
   * {@link ValidationException} when the loader refused it (the problem's detail is the root cause).
   *
   * @param name the folder name
   * @return the model, now served
   */
  public CompletableFuture<Model> loadModel(String name) {
    return transport.json(admin(name, "load"), Model.class);
  }

  /**
   * Loads a model's folder again through the same checks (an admin operation): the new version serves new and
   * queued jobs, running jobs finish on the old one; on a {@link ValidationException} the old one keeps serving.
   *
   * @param name the model name
   * @return the new version
   */
  public CompletableFuture<Model> reloadModel(String name) {
    return transport.json(admin(name, "reload"), Model.class);
  }

  /**
   * Stops serving a model (an admin operation): running jobs finish on it, queued ones fail with
   * {@link JobError.Code#MODEL_UNLOADED}; {@link NotFoundException} when it is not loaded.
   *
   * @param name the model name
   * @return what was unloaded
   */
  public CompletableFuture<UnloadedModel> unloadModel(String name) {
    return transport.json(admin(name, "unload"), UnloadedModel.class);
  }

  /**
   * Issues a single-use WebSocket token for the caller's key (for handing to a browser, whose WebSocket cannot send
   * {@code Authorization}).
   *
   * @return the token
   */
  public CompletableFuture<WsToken> wsToken() {
    return transport.json(new Transport.Call("POST", "/v1/ws-tokens", null, Map.of(), false), WsToken.class);
  }

  private static Transport.Call admin(String name, String op) {
    return new Transport.Call("POST", "/v1/admin/models/" + Transport.seg(name) + "/" + op, null, Map.of(), false);
  }

  /**
   * Starts a Γ calibration job of a model (with a fresh {@code Idempotency-Key}).
   *
   * @param model a model name
   * @param request the calibration
   * @return the calibration job
   */
  public CompletableFuture<Job> calibrate(String model, CalibrationRequest request) {
    return transport.json(new Transport.Call("POST", "/v1/models/" + Transport.seg(model) + "/calibrations",
        body(request), Map.of(IDEMPOTENCY_KEY, UUID.randomUUID().toString()), true), Job.class);
  }

  /**
   * Downloads a result file of a succeeded job ({@link ConflictException} while it has not succeeded).
   *
   * @param id a job id
   * @param format npy (all samples), png (grid or scatter plot) or json (a calibration's Γ file)
   * @return the file
   */
  public CompletableFuture<ResultFile> result(String id, OutputFormat format) {
    return result(id, format, null);
  }

  /**
   * Downloads a result file; with an index, one sample's PNG (image models).
   *
   * @param id a job id
   * @param format the format
   * @param index a sample index in [0, n) for a per-sample PNG, or null
   * @return the file
   */
  public CompletableFuture<ResultFile> result(String id, OutputFormat format, Integer index) {
    Objects.requireNonNull(format, "format");
    if (format == OutputFormat.UNKNOWN) {
      throw new IllegalArgumentException("format UNKNOWN cannot be fetched");
    }
    String path = "/v1/jobs/" + Transport.seg(id) + "/result?format=" + format.wire()
        + (index == null ? "" : "&index=" + index);
    return transport.send(Transport.Call.get(path)).thenApply(r -> new ResultFile(id, format, r.body()));
  }

  /**
   * @param id a job id
   * @return all its samples, decoded from {@code .npy}: shape {@code [n, ...sampleShape]}
   */
  public CompletableFuture<NpyArray> samples(String id) {
    return result(id, OutputFormat.NPY).thenApply(ResultFile::toArray);
  }

  /** @return liveness ({@code GET /health}) */
  public CompletableFuture<Health> health() {
    return transport.json(Transport.Call.get("/health"), Health.class);
  }

  /** @return readiness ({@code GET /health/ready}): status DOWN while models load, without throwing */
  public CompletableFuture<Health> ready() {
    Transport.Call call = Transport.Call.get("/health/ready");
    return transport.sendRaw(call).thenApply(r -> {
      if (r.statusCode() != 200 && r.statusCode() != 503) {
        throw Transport.fromResponse(r);
      }
      return Transport.decode(r, DpmJson.shared().constructType(Health.class));
    });
  }

  /**
   * Follows a job's events: the current state first, then live events, until the terminal event.
   * Reconnects by itself (resuming after the last {@code seq} seen) when the socket drops.
   *
   * @param id a job id
   * @param listener the callbacks
   * @return the subscription; close it to stop early
   */
  public EventSubscription events(String id, JobEventListener listener) {
    return events(id, -1, listener);
  }

  /**
   * Follows a job's events after a given {@code seq} (replayed when the server still holds them).
   *
   * @param id a job id
   * @param after the last {@code seq} already seen, or −1 for "the current state first"
   * @param listener the callbacks
   * @return the subscription
   */
  public EventSubscription events(String id, long after, JobEventListener listener) {
    Objects.requireNonNull(id, "id");
    return open(id, after, listener);
  }

  /**
   * Follows every job's events, live from now (no replay), until closed.
   *
   * @param listener the callbacks
   * @return the subscription
   */
  public EventSubscription allEvents(JobEventListener listener) {
    return open(null, -1, listener);
  }

  /**
   * A {@link Flow.Publisher} of a job's events: each subscriber opens its own subscription and gets
   * the events in order, then {@code onComplete} after the terminal event.
   *
   * @param id a job id
   * @return the publisher
   */
  public Flow.Publisher<JobEvent> eventPublisher(String id) {
    Objects.requireNonNull(id, "id");
    return new EventPublisher(l -> events(id, l));
  }

  private EventSubscription open(String id, long after, JobEventListener listener) {
    Objects.requireNonNull(listener, "listener");
    EventStream[] self = new EventStream[1];
    EventStream s = new EventStream(transport, id, after, listener, reconnect, connectTimeout,
        pingInterval, () -> open.remove(self[0]));
    self[0] = s;
    open.add(s);
    return s.start();
  }

  /** Closes every open event subscription. */
  void closeAll() {
    for (EventStream s : List.copyOf(open)) {
      s.close();
    }
  }

  private static byte[] body(Object value) {
    try {
      return DpmJson.shared().writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new DpmIoException("cannot write the request: " + e.getOriginalMessage(), e);
    }
  }

  private static void checkKey(String key) {
    if (key == null || key.isEmpty() || key.length() > 200 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      throw new IllegalArgumentException("Idempotency-Key must be 1–200 printable ASCII characters without spaces");
    }
  }
}
