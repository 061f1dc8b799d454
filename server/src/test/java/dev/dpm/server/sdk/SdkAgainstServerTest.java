package dev.dpm.server.sdk;

import dev.dpm.server.config.ServerConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.client.CalibrationRequest;
import dev.dpm.client.ConflictException;
import dev.dpm.client.DpmClient;
import dev.dpm.client.EventSubscription;
import dev.dpm.client.EventType;
import dev.dpm.client.Health;
import dev.dpm.client.Job;
import dev.dpm.client.JobEvent;
import dev.dpm.client.JobEventListener;
import dev.dpm.client.JobKind;
import dev.dpm.client.JobListParams;
import dev.dpm.client.JobPage;
import dev.dpm.client.JobRequest;
import dev.dpm.client.JobStatus;
import dev.dpm.client.Model;
import dev.dpm.client.NotFoundException;
import dev.dpm.client.NpyArray;
import dev.dpm.client.OutputFormat;
import dev.dpm.client.ResultFile;
import dev.dpm.client.RetryPolicy;
import dev.dpm.client.SampleResult;
import dev.dpm.client.SamplerName;
import dev.dpm.client.SamplerParams;
import dev.dpm.client.ValidationException;
import dev.dpm.server.Harness;
import dev.dpm.server.SlowPredictor;
import dev.dpm.server.Toys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java SDK against the real server, started in-process on a random port (issue 5, "Must
 * show"): every call, the event stream in order, reconnect after the connection drops, a 429
 * answered by backing off for Retry-After, a submit retried after a lost response creating exactly
 * one job, and validation errors as {@link ValidationException} with the right field. Faults are
 * injected by a {@link TcpProxy} between the SDK and the server.
 */
class SdkAgainstServerTest {
  @TempDir
  Path tmp;

  static DpmClient client(String base) {
    return DpmClient.builder().setBaseUrl(base)
        .optRetryPolicy(new RetryPolicy(4, Duration.ofMillis(50), Duration.ofSeconds(10), 0.2))
        .optReconnectPolicy(new RetryPolicy(8, Duration.ofMillis(50), Duration.ofSeconds(1), 0.2))
        .optEventPingInterval(Duration.ofSeconds(1))
        .build();
  }

  static JobRequest toy(int steps, int n, long seed) {
    return JobRequest.builder("toy", SamplerParams.of(SamplerName.DDPM, steps)).optN(n).optSeed(seed).build();
  }

  Harness harness(SlowPredictor p, java.util.function.Consumer<dev.dpm.server.config.ServerConfig.Builder> tweak) throws Exception {
    return new Harness(tmp.resolve("data"), List.of(Toys.model("toy", p, tmp)), tweak);
  }

  static void waitFor(BooleanSupplier c, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void everyCall() throws Exception {
    SlowPredictor p = new SlowPredictor();
    try (Harness h = harness(p, null); DpmClient c = client(h.base)) {
      assertEquals(Health.Status.UP, c.health().status());
      assertEquals(Health.Status.UP, c.ready().status());

      assertTrue(c.models().stream().anyMatch(m -> m.name().equals("toy")));
      Model m = c.model("toy");
      assertEquals(List.of(2), m.sampleShape());
      assertEquals(1000, m.schedule().steps());
      assertTrue(m.sampler(SamplerName.DDPM).orElseThrow().available());
      assertFalse(m.sampler(SamplerName.ANALYTIC_DDPM).orElseThrow().available(), "no Γ yet");
      assertEquals(List.of(), m.heads(), "the toy network has no second head");
      assertFalse(m.sampler(SamplerName.SN_DDPM).orElseThrow().available());
      assertThrows(NotFoundException.class, () -> c.model("nope"));

      Job q = c.submit(toy(20, 4, 3));
      assertTrue(q.status() == JobStatus.QUEUED || q.status() == JobStatus.RUNNING, q.status().wire());
      assertEquals(20, q.sampler().steps());
      assertEquals(3L, q.seed());
      assertEquals(q.id(), c.get(q.id()).id());
      Job done = c.await(q.id(), Duration.ofSeconds(30));
      assertEquals(JobStatus.SUCCEEDED, done.status());
      assertEquals(20, done.progress().step());
      assertNotNull(done.results().npy());
      assertNotNull(done.finishedAt());

      NpyArray a = c.samples(q.id());
      assertArrayEquals(new int[] {4, 2}, a.shape());
      SampleResult again = c.sample(toy(20, 4, 3));
      assertEquals(a, again.samples(), "same model, sampler and seed: the same bytes");
      ResultFile png = c.result(q.id(), OutputFormat.PNG);
      assertTrue(png.toImage().getWidth() > 0);
      assertTrue(Files.size(png.saveTo(tmp.resolve("out/scatter.png"))) > 0);

      for (int i = 0; i < 3; i++) {
        c.submit(toy(5, 1, 10 + i));
      }
      List<Job> all = c.list(JobListParams.all().withPageSize(2)).collect(Collectors.toList());
      assertEquals(5, all.size());
      assertEquals(5, all.stream().map(Job::id).distinct().count());
      for (int i = 1; i < all.size(); i++) {
        assertFalse(all.get(i).createdAt().isAfter(all.get(i - 1).createdAt()), "newest first");
      }
      JobPage first = c.listPage(JobListParams.all().withPageSize(2), null);
      assertEquals(2, first.items().size());
      assertNotNull(first.nextCursor());
      for (Job j : all) {
        c.await(j.id(), Duration.ofSeconds(30));
      }
      assertEquals(5, c.list(JobListParams.all().withStatus(JobStatus.SUCCEEDED)).count());

      p.sleepMicros = 2000;
      Job slow = c.submit(toy(1000, 1, 1));
      Job canceled = c.cancel(slow.id());
      if (canceled.status() != JobStatus.CANCELED) {
        canceled = c.await(slow.id(), Duration.ofSeconds(30));
      }
      assertEquals(JobStatus.CANCELED, canceled.status());
      assertEquals(JobStatus.CANCELED, c.cancel(slow.id()).status(), "canceling twice is a no-op");
      assertThrows(ConflictException.class, () -> c.cancel(q.id()), "a succeeded job cannot be canceled");
      assertThrows(ConflictException.class, () -> c.result(slow.id(), OutputFormat.NPY));
      assertThrows(NotFoundException.class, () -> c.get("j_nope"));

      p.sleepMicros = 0;
      Job cal = c.calibrate("toy", new CalibrationRequest(20, 1L, false));
      assertEquals(JobKind.CALIBRATION, cal.kind());
      assertEquals(JobStatus.SUCCEEDED, c.await(cal.id(), Duration.ofSeconds(30)).status());
      assertEquals(1001, c.result(cal.id(), OutputFormat.JSON).toJson().path("gamma").size());

      assertEquals(q.id(), c.async().get(q.id()).get(10, TimeUnit.SECONDS).id());
    }
  }

  @Test
  void theEventStreamIsInOrderWithTypedCallbacks() throws Exception {
    SlowPredictor p = new SlowPredictor();
    p.sleepMicros = 3000;
    try (Harness h = harness(p, null); DpmClient c = client(h.base)) {
      Job j = c.submit(JobRequest.builder("toy", SamplerParams.of(SamplerName.DDIM, 30)).optN(2).optSeed(5L)
          .optPreviewEvery(10).build());
      List<JobEvent> events = new CopyOnWriteArrayList<>();
      List<String> calls = new CopyOnWriteArrayList<>();
      EventSubscription sub = c.events(j.id(), new JobEventListener() {
        @Override
        public void onEvent(JobEvent e) {
          events.add(e);
          JobEventListener.super.onEvent(e);
        }

        @Override
        public void onProgress(JobEvent e) {
          calls.add("progress " + e.step());
        }

        @Override
        public void onPreview(JobEvent e) {
          assertTrue(e.previewImage().getWidth() > 0);
          calls.add("preview");
        }

        @Override
        public void onSucceeded(JobEvent e) {
          calls.add("succeeded " + e.job().status());
        }
      });
      sub.done().get(30, TimeUnit.SECONDS);
      for (int i = 1; i < events.size(); i++) {
        assertTrue(events.get(i).seq() > events.get(i - 1).seq(), "seq strictly increases: " + events);
        assertEquals(j.id(), events.get(i).jobId());
      }
      assertEquals(EventType.SUCCEEDED, events.get(events.size() - 1).type());
      assertEquals("succeeded succeeded", calls.get(calls.size() - 1));
      List<Integer> steps = events.stream().filter(e -> e.type() == EventType.PROGRESS).map(JobEvent::step)
          .collect(Collectors.toList());
      assertFalse(steps.isEmpty());
      for (int i = 1; i < steps.size(); i++) {
        assertTrue(steps.get(i) >= steps.get(i - 1), "progress never goes back: " + steps);
      }
      assertTrue(calls.contains("preview"), calls.toString());

      // the Flow view of a finished job: its terminal state, then onComplete
      List<JobEvent> flowed = new CopyOnWriteArrayList<>();
      CountDownLatch complete = new CountDownLatch(1);
      c.eventPublisher(j.id()).subscribe(new Flow.Subscriber<JobEvent>() {
        @Override
        public void onSubscribe(Flow.Subscription s) {
          s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(JobEvent item) {
          flowed.add(item);
        }

        @Override
        public void onError(Throwable t) {
          throw new AssertionError(t);
        }

        @Override
        public void onComplete() {
          complete.countDown();
        }
      });
      assertTrue(complete.await(10, TimeUnit.SECONDS));
      assertEquals(1, flowed.size());
      assertEquals(JobStatus.SUCCEEDED, flowed.get(0).job().status());
    }
  }

  @Test
  void afterTheConnectionDropsTheStreamReconnectsAndResumesWithoutGapsOrDuplicates() throws Exception {
    SlowPredictor p = new SlowPredictor();
    p.sleepMicros = 10_000; // 150 steps ≈ 1.5 s: the reconnect lands well within the server's 64-event replay buffer
    try (Harness h = harness(p, null); TcpProxy proxy = new TcpProxy(h.server.port());
        DpmClient c = client(proxy.baseUrl())) {
      Job j = c.submit(toy(150, 1, 9));
      List<JobEvent> events = new CopyOnWriteArrayList<>();
      EventSubscription sub = c.events(j.id(), JobEventListener.of(events::add));
      waitFor(() -> events.stream().anyMatch(e -> e.type() == EventType.PROGRESS && e.step() >= 10), "step 10");
      long cutAt = events.get(events.size() - 1).seq();
      proxy.cutAll(); // the socket dies without a close frame
      sub.done().get(30, TimeUnit.SECONDS);
      assertTrue(sub.connections() >= 2, "reconnected: " + sub.connections());
      List<TcpProxy.Entry> resumes = proxy.entries("GET /v1/jobs/" + j.id() + "/events?after=");
      assertFalse(resumes.isEmpty(), "resumed with ?after=");
      assertTrue(Long.parseLong(resumes.get(0).line().replaceAll(".*after=", "")) >= cutAt);
      List<Long> seqs = events.stream().map(JobEvent::seq).collect(Collectors.toList());
      for (int i = 1; i < seqs.size(); i++) {
        assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "replayed without a gap or a duplicate: " + seqs);
      }
      assertEquals(EventType.SUCCEEDED, events.get(events.size() - 1).type());
      assertEquals(150, events.get(events.size() - 1).job().progress().step());
    }
  }

  @Test
  void aFullQueueIsAnsweredByBackingOffForRetryAfter() throws Exception {
    SlowPredictor p = new SlowPredictor();
    p.sleepMicros = 1000;
    try (Harness h = harness(p, b -> b.maxQueuedJobs(1)); TcpProxy proxy = new TcpProxy(h.server.port());
        DpmClient c = client(proxy.baseUrl()); DpmClient direct = client(h.base)) {
      Job busy = c.submit(toy(1000, 1, 1)); // takes the only slot for about a second
      CompletableFuture<Job> freeSlot = CompletableFuture.supplyAsync(() -> {
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return direct.cancel(busy.id());
      });
      Job next = c.submit(toy(5, 1, 2));
      assertEquals(JobStatus.CANCELED, direct.await(busy.id(), Duration.ofSeconds(30)).status());
      freeSlot.get(10, TimeUnit.SECONDS);
      List<TcpProxy.Entry> posts = proxy.entries("POST /v1/jobs");
      List<TcpProxy.Entry> limited = proxy.entries("429");
      assertFalse(limited.isEmpty(), "the server answered 429 at least once: " + proxy.log);
      assertEquals(limited.size() + 2, posts.size(), "one retry per 429: " + proxy.log);
      assertEquals(1, posts.subList(1, posts.size()).stream().map(TcpProxy.Entry::key).distinct().count(),
          "every attempt of the second submit carries the same Idempotency-Key");
      for (TcpProxy.Entry r : limited) {
        long retryAfter = Long.parseLong(r.key());
        TcpProxy.Entry retry = posts.stream().filter(e -> e.nanos() > r.nanos()).findFirst().orElseThrow();
        assertTrue(retry.nanos() - r.nanos() >= TimeUnit.SECONDS.toNanos(retryAfter),
            "waited " + (retry.nanos() - r.nanos()) / 1e9 + " s, Retry-After said " + retryAfter + " s");
      }
      assertEquals(JobStatus.SUCCEEDED, c.await(next.id(), Duration.ofSeconds(30)).status());
      assertEquals(2, direct.list().count(), "no job was created twice");
    }
  }

  @Test
  void aSubmitRetriedAfterItsResponseWasLostCreatesExactlyOneJob() throws Exception {
    try (Harness h = harness(new SlowPredictor(), null); TcpProxy proxy = new TcpProxy(h.server.port());
        DpmClient c = client(proxy.baseUrl())) {
      proxy.dropNextSubmitResponse.set(1);
      Job j = c.submit(toy(5, 1, 1));
      List<TcpProxy.Entry> posts = proxy.entries("POST /v1/jobs");
      assertEquals(2, posts.size(), proxy.log.toString());
      assertNotNull(posts.get(0).key());
      assertEquals(posts.get(0).key(), posts.get(1).key());
      assertEquals(List.of("dropped 202", "200"), proxy.log.stream().map(TcpProxy.Entry::line)
          .filter(l -> l.startsWith("dropped") || l.matches("\\d{3}")).collect(Collectors.toList()),
          "the first response (202, created) was lost; the retry got the same job (200, replay)");
      List<Job> jobs = c.list().collect(Collectors.toList());
      assertEquals(1, jobs.size());
      assertEquals(j.id(), jobs.get(0).id());
    }
  }

  @Test
  void validationErrorsNameTheField() throws Exception {
    try (Harness h = harness(new SlowPredictor(), null); DpmClient c = client(h.base)) {
      ValidationException k = assertThrows(ValidationException.class, () -> c.submit(toy(5000, 1, 1)));
      assertEquals(400, k.status());
      assertTrue(k.error("sampler.steps").isPresent(), k.errors().toString());
      ValidationException m = assertThrows(ValidationException.class,
          () -> c.submit(JobRequest.builder("nope", SamplerParams.of(SamplerName.DDPM, 5)).build()));
      assertTrue(m.error("model").isPresent(), m.errors().toString());
      ValidationException n = assertThrows(ValidationException.class, () -> c.submit(toy(5, 100_000, 1)));
      assertTrue(n.error("n").isPresent(), n.errors().toString());
      ValidationException g = assertThrows(ValidationException.class,
          () -> c.submit(JobRequest.builder("toy", SamplerParams.of(SamplerName.ANALYTIC_DDPM, 5)).build()));
      assertTrue(g.error("sampler.name").isPresent(), "analytic samplers need Γ: " + g.errors());
      c.submit(toy(5, 1, 1), "same-key");
      ConflictException e = assertThrows(ConflictException.class, () -> c.submit(toy(5, 1, 2), "same-key"));
      assertTrue(e.problem().error("Idempotency-Key").isPresent());
      assertEquals(1, c.list().count());
      List<String> fields = new ArrayList<>();
      k.errors().forEach(f -> fields.add(f.field()));
      assertEquals(List.of("sampler.steps"), fields);
    }
  }

  @Test
  void theSdkIssuesWebSocketTokensForItsKey() throws Exception {
    java.nio.file.Path keys = tmp.resolve("keys.jsonl");
    String key = dev.dpm.server.security.ApiKeyFile.add(keys, "sdk", dev.dpm.server.security.Scope.SAMPLE).key();
    try (Harness h = harness(new SlowPredictor(), b -> b.apiKeys(keys));
        DpmClient c = DpmClient.builder().setBaseUrl(h.base).optApiKey(key).build()) {
      dev.dpm.client.WsToken t = c.wsToken();
      assertTrue(t.token().startsWith("wst_"), t.toString());
      assertEquals(60, t.expiresInSeconds());
      assertTrue(t.expiresAt().isAfter(java.time.Instant.now()), t.toString());
    }
  }
}
