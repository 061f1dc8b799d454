package dev.dpm.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.client.fake.FakeDpmServer;
import dev.dpm.client.fake.MiniHttpServer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every HTTP call of the SDK against the fake server, with its failure modes. */
class DpmClientTest {
  private FakeDpmServer server;
  private DpmClient client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeDpmServer();
    client = client(new RetryPolicy(4, Duration.ofMillis(10), Duration.ofSeconds(3), 0.2));
  }

  private DpmClient client(RetryPolicy retry) {
    return DpmClient.builder().setBaseUrl(server.baseUri().toString() + "/").optRetryPolicy(retry)
        .optRequestTimeout(Duration.ofSeconds(5)).optApiKey("secret").build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  static JobRequest ring(int n) {
    return JobRequest.builder("gmm-ring-2d", SamplerParams.of(SamplerName.ANALYTIC_DDPM, 50)).optN(n).optSeed(7L).build();
  }

  @Test
  void submitEchoesDefaultsAndSendsAFreshIdempotencyKey() {
    Job job = client.submit(ring(16));
    assertEquals(JobStatus.QUEUED, job.status());
    assertEquals(JobKind.SAMPLE, job.kind());
    assertEquals("gmm-ring-2d", job.model());
    assertEquals(16, job.n());
    assertEquals(7L, job.seed());
    assertEquals(SamplerParams.Trajectory.EVEN, job.sampler().trajectory()); // default filled in
    assertEquals(0, job.sampler().clipSigma2());
    assertEquals(List.of(OutputFormat.NPY, OutputFormat.PNG), job.outputs());
    assertEquals(0, job.queuePosition());
    assertNull(job.startedAt());
    assertTrue(Duration.between(job.createdAt(), Instant.now()).abs().getSeconds() < 60);
    Job again = client.submit(ring(16));
    assertFalse(job.id().equals(again.id()), "two submits without a key are two jobs");
    assertEquals(2, server.submitKeys.size());
    for (String k : server.submitKeys) {
      assertEquals(k, UUID.fromString(k).toString());
    }
    assertFalse(server.submitKeys.get(0).equals(server.submitKeys.get(1)));
  }

  @Test
  void theSameIdempotencyKeyGivesTheSameJobAndAnotherBodyIsAConflict() {
    Job a = client.submit(ring(4), "order-42");
    Job b = client.submit(ring(4), "order-42");
    assertEquals(a.id(), b.id());
    assertEquals(1, server.jobCount());
    ConflictException e = assertThrows(ConflictException.class, () -> client.submit(ring(5), "order-42"));
    assertEquals(409, e.status());
    assertTrue(e.problem().error("Idempotency-Key").isPresent());
    assertThrows(IllegalArgumentException.class, () -> client.submit(ring(4), "has space"));
  }

  @Test
  void aSubmitRetriedAfterADroppedResponseCreatesExactlyOneJob() {
    server.dropNextSubmitResponse.set(1);
    Job job = client.submit(ring(8));
    assertEquals(1, server.jobCount(), "the retry must not create a second job");
    assertEquals(2, server.submitKeys.size(), "the first response was lost, so the client sent twice");
    assertEquals(server.submitKeys.get(0), server.submitKeys.get(1), "both attempts carry the same key");
    assertEquals(server.job(job.id()).path("id").asText(), job.id());
  }

  @Test
  void rateLimitedSubmitBacksOffForRetryAfter() {
    server.rateLimitNext.set(1);
    server.retryAfterSeconds = 1;
    long t0 = System.nanoTime();
    Job job = client.submit(ring(2));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertNotNull(job.id());
    assertTrue(ms >= 1000, "waited " + ms + " ms, Retry-After said 1 s");
    assertEquals(2, server.submitKeys.size());
    assertEquals(server.submitKeys.get(0), server.submitKeys.get(1));
    assertEquals(1, server.jobCount());
  }

  @Test
  void aRetryAfterLongerThanTheMaxDelayIsNotWaitedFor() {
    server.rateLimitNext.set(1);
    server.retryAfterSeconds = 30;
    long t0 = System.nanoTime();
    RateLimitedException e = assertThrows(RateLimitedException.class, () -> client.submit(ring(2)));
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    assertEquals(Duration.ofSeconds(30), e.retryAfter().orElseThrow());
    assertEquals(429, e.status());
    assertEquals(1, server.submitKeys.size());
    assertEquals(0, server.jobCount());
  }

  @Test
  void rateLimitingThatOutlastsTheRetriesSurfaces() {
    DpmClient twoTries = client(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofSeconds(2), 0));
    server.rateLimitNext.set(5);
    server.retryAfterSeconds = 0;
    assertThrows(RateLimitedException.class, () -> twoTries.submit(ring(2)));
    assertEquals(2, server.submitKeys.size());
  }

  @Test
  void unavailableReadsAreRetried() {
    String id = server.createJob("gmm-ring-2d", 3);
    server.unavailableNext.set(2);
    assertEquals(id, client.get(id).id());
    assertEquals(3, server.requests.stream().filter(r -> r.equals("GET /v1/jobs/" + id)).count());
    DpmClient once = client(RetryPolicy.none());
    server.unavailableNext.set(1);
    ServerException e = assertThrows(ServerException.class, () -> once.get(id));
    assertEquals(503, e.status());
  }

  @Test
  void validationErrorsNameTheField() {
    JobRequest tooMany = JobRequest.builder("gmm-ring-2d", SamplerParams.of(SamplerName.DDPM, 5000)).build();
    ValidationException e = assertThrows(ValidationException.class, () -> client.submit(tooMany));
    assertEquals(400, e.status());
    assertEquals("must be at most N = 1000", e.error("sampler.steps").orElseThrow().message());
    assertEquals(List.of("sampler.steps"), e.errors().stream().map(Problem.FieldError::field).collect(Collectors.toList()));
    assertTrue(e.getMessage().contains("sampler.steps"), e.getMessage());
    assertEquals(1, server.submitKeys.size(), "a 400 is not retried");

    JobRequest unknown = JobRequest.builder("no-such-model", SamplerParams.of(SamplerName.DDPM, 10)).build();
    ValidationException m = assertThrows(ValidationException.class, () -> client.submit(unknown));
    assertTrue(m.error("model").isPresent());
    assertEquals(0, server.jobCount());
  }

  @Test
  void getUnknownJobIsNotFound() {
    NotFoundException e = assertThrows(NotFoundException.class, () -> client.get("j_missing"));
    assertEquals(404, e.status());
    assertEquals("no job j_missing", e.problem().detail());
    CompletableFuture<Job> f = client.async().get("j_missing");
    CompletionException ce = assertThrows(CompletionException.class, f::join);
    assertInstanceOf(NotFoundException.class, ce.getCause());
  }

  @Test
  void listFollowsTheCursorOverAllPages() {
    for (int i = 0; i < 7; i++) {
      server.createJob("gmm-ring-2d", i + 1);
    }
    List<Job> all = client.list(JobListParams.all().withPageSize(3)).collect(Collectors.toList());
    assertEquals(7, all.size());
    assertEquals(List.of(7, 6, 5, 4, 3, 2, 1), all.stream().map(Job::n).collect(Collectors.toList()), "newest first");
    assertEquals(List.of("GET /v1/jobs?limit=3", "GET /v1/jobs?limit=3&cursor=c3", "GET /v1/jobs?limit=3&cursor=c6"),
        server.requests.stream().filter(r -> r.startsWith("GET /v1/jobs?")).collect(Collectors.toList()));

    server.requests.clear();
    assertEquals(2, client.list(JobListParams.all().withPageSize(2)).limit(2).count());
    assertEquals(1, server.requests.size(), "a stream stopped early fetches no more pages");

    server.start(all.get(0).id());
    List<Job> running = client.list(JobListParams.all().withStatus(JobStatus.RUNNING)).collect(Collectors.toList());
    assertEquals(1, running.size());
    assertEquals(JobStatus.RUNNING, running.get(0).status());
    JobPage page = client.listPage(JobListParams.all().withPageSize(5), null);
    assertEquals(5, page.items().size());
    assertEquals("c5", page.nextCursor());
  }

  @Test
  void cancelQueuedIsCanceledTwiceIsANoOpFinishedIsAConflict() {
    String id = server.createJob("gmm-ring-2d", 2);
    Job c = client.cancel(id);
    assertEquals(JobStatus.CANCELED, c.status());
    assertNotNull(c.finishedAt());
    assertEquals(JobStatus.CANCELED, client.cancel(id).status());
    String done = server.createJob("gmm-ring-2d", 2);
    server.start(done);
    server.succeed(done);
    assertThrows(ConflictException.class, () -> client.cancel(done));
    assertThrows(NotFoundException.class, () -> client.cancel("j_nope"));
  }

  @Test
  void awaitFollowsTheJobToItsEnd() {
    server.autoRun = 5;
    Job job = client.submit(ring(3));
    Job done = client.await(job.id(), Duration.ofSeconds(10));
    assertEquals(JobStatus.SUCCEEDED, done.status());
    assertEquals(5, done.progress().step());
    assertNotNull(done.results().npy());
  }

  @Test
  void awaitTimesOut() {
    String id = server.createJob("gmm-ring-2d", 1); // never runs
    long t0 = System.nanoTime();
    DpmTimeoutException e = assertThrows(DpmTimeoutException.class, () -> client.await(id, Duration.ofMillis(300)));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 300 && ms < 5000, ms + " ms");
    assertTrue(e.getMessage().contains(id));
  }

  @Test
  void sampleSubmitsWaitsAndDecodesTheSamples() {
    server.autoRun = 4;
    List<Integer> steps = new java.util.concurrent.CopyOnWriteArrayList<>();
    SampleResult r = client.sample(ring(5), Duration.ofSeconds(10), JobEventListener.progress(e -> steps.add(e.step())));
    assertEquals(JobStatus.SUCCEEDED, r.job().status());
    assertArrayEquals(new int[] {5, 2}, r.samples().shape());
    assertEquals(4.25f, r.samples().get(4, 1));
    assertArrayEquals(new float[] {3f, 3.25f}, r.samples().sample(3));
    assertEquals(List.of(1, 2, 3, 4), steps);
  }

  @Test
  void sampleOfAFailingJobThrowsJobFailed() {
    server.autoRun = 2;
    server.autoRunFailCode = "non-finite-output";
    JobFailedException e = assertThrows(JobFailedException.class, () -> client.sample(ring(2)));
    assertEquals(JobStatus.FAILED, e.job().status());
    assertEquals(JobError.Code.NON_FINITE_OUTPUT, e.job().error().code());
  }

  @Test
  void resultsAsArrayImageAndFiles(@TempDir Path dir) throws Exception {
    String id = server.createJob("gmm-ring-2d", 3);
    assertThrows(ConflictException.class, () -> client.result(id, OutputFormat.NPY));
    server.start(id);
    server.succeed(id);
    NpyArray a = client.samples(id);
    assertArrayEquals(new int[] {3, 2}, a.shape());
    assertArrayEquals(new float[] {0f, 0.25f, 1f, 1.25f, 2f, 2.25f}, a.data());
    ResultFile png = client.result(id, OutputFormat.PNG);
    BufferedImage img = png.toImage();
    assertEquals(8, img.getWidth());
    assertEquals(4, img.getHeight());
    assertEquals(3, client.result(id, OutputFormat.PNG, 1).toImage().getWidth());
    assertTrue(server.requests.contains("GET /v1/jobs/" + id + "/result?format=png&index=1"));
    Path saved = png.saveTo(dir.resolve("sub/grid.png"));
    assertArrayEquals(png.bytes(), Files.readAllBytes(saved));
    Path inDir = client.result(id, OutputFormat.NPY).saveTo(dir);
    assertEquals(dir.resolve(id + ".npy"), inDir);
    assertEquals(a, NpyArray.read(inDir));
    assertThrows(IllegalStateException.class, png::toArray);
    try (var files = Files.list(dir.resolve("sub"))) {
      assertEquals(1, files.count(), "no temporary file is left behind");
    }
  }

  @Test
  void modelsAndUnknownEnumValues() {
    List<Model> models = client.models();
    assertEquals(List.of("gmm-ring-2d", "gaussian"), models.stream().map(Model::name).collect(Collectors.toList()));
    Model ring = client.model("gmm-ring-2d");
    assertEquals(Model.Kind.GAUSSIAN_MIXTURE, ring.kind());
    assertEquals(List.of(2), ring.sampleShape());
    assertNull(ring.dataRange());
    assertEquals(1000, ring.schedule().steps());
    assertTrue(ring.gamma().present());
    assertEquals(1000, ring.gamma().provenance().get("samples"));
    assertTrue(ring.sampler(SamplerName.ANALYTIC_DDPM).orElseThrow().available());
    assertEquals(SamplerName.UNKNOWN, ring.samplers().get(2).name(), "a sampler this SDK does not know");
    Model g = client.model("gaussian");
    assertEquals("no Γ", g.sampler(SamplerName.ANALYTIC_DDPM).orElseThrow().reason());
    assertThrows(NotFoundException.class, () -> client.model("nope"));
  }

  @Test
  void calibrationHealthAndReadiness() {
    Job cal = client.calibrate("gmm-ring-2d", new CalibrationRequest(500, 3L, true));
    assertEquals(JobKind.CALIBRATION, cal.kind());
    assertEquals(500, cal.calibration().samples());
    assertTrue(cal.calibration().install());
    assertNull(cal.sampler());
    assertEquals(Health.Status.UP, client.health().status());
    server.ready = false;
    Health h = client.ready();
    assertEquals(Health.Status.DOWN, h.status());
    assertEquals("warming up", h.checks().get(0).detail());
  }

  @Test
  void connectionFailuresAreRetriedThenSurfaceAsIo() {
    java.net.URI dead = server.baseUri();
    server.close();
    DpmClient c = DpmClient.builder().setBaseUrl(dead.toString())
        .optRetryPolicy(new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(20), 0)).build();
    DpmIoException e = assertThrows(DpmIoException.class, () -> c.models());
    assertTrue(e.getMessage().contains("GET /v1/models"), e.getMessage());
  }

  @Test
  void theApiKeyAndUserAgentAreSent() throws Exception {
    List<MiniHttpServer.Request> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (MiniHttpServer s = new MiniHttpServer((req, ex) -> {
      seen.add(req);
      ex.respond(200, "application/json", "{\"status\":\"UP\",\"extra\":1}".getBytes(), java.util.Map.of());
    })) {
      DpmClient c = DpmClient.builder().setBaseUrl(s.baseUri()).optApiKey("k1").optHeader("X-Tenant", "t7").build();
      assertEquals(Health.Status.UP, c.health().status());
      assertEquals("Bearer k1", seen.get(0).header("authorization"));
      assertEquals("t7", seen.get(0).header("x-tenant"));
      assertTrue(seen.get(0).header("user-agent").startsWith("dpm-client-java/"));
      DpmClient x = DpmClient.builder().setBaseUrl(s.baseUri()).optApiKey("k2").optApiKeyHeader("X-Api-Key").build();
      x.health();
      assertEquals("k2", seen.get(1).header("x-api-key"));
      assertNull(seen.get(1).header("authorization"));
    }
  }

  @Test
  void builderChecksItsInput() {
    assertThrows(IllegalStateException.class, () -> DpmClient.builder().build());
    assertThrows(IllegalArgumentException.class, () -> DpmClient.builder().setBaseUrl("ftp://x"));
    assertThrows(IllegalArgumentException.class, () -> DpmClient.builder().setBaseUrl("http://x/?a=1"));
    assertThrows(IllegalArgumentException.class, () -> DpmClient.builder().optRequestTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> SamplerParams.builder(SamplerName.DDIM).optEta(-1.0).build());
    assertThrows(IllegalArgumentException.class, () -> ring(0));
    assertThrows(NullPointerException.class, () -> JobRequest.builder("m", null));
  }
}
