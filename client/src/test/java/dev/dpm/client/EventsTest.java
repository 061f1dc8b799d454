package dev.dpm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.client.fake.FakeDpmServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The WebSocket event stream: order, typed callbacks, dedupe, reconnect and resume, Flow view. */
class EventsTest {
  private FakeDpmServer server;
  private DpmClient client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeDpmServer();
    client = DpmClient.builder().setBaseUrl(server.baseUri())
        .optReconnectPolicy(new RetryPolicy(5, Duration.ofMillis(20), Duration.ofMillis(200), 0.2))
        // 2 × ping of silence counts as a dead socket: 100 ms flaked on a loaded 2-core machine (a GC or scheduling
        // pause of 200 ms reconnected and broke connections() == 1); no test here relies on the ping to notice a drop
        .optEventPingInterval(Duration.ofSeconds(1))
        .build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  /** Records every callback as "callback:seq". */
  static final class Recorder implements JobEventListener {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    final List<DpmException> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(JobEvent e) {
      events.add(e);
      JobEventListener.super.onEvent(e);
    }

    @Override
    public void onQueued(JobEvent e) {
      calls.add("queued:" + e.seq());
    }

    @Override
    public void onStarted(JobEvent e) {
      calls.add("started:" + e.seq());
    }

    @Override
    public void onProgress(JobEvent e) {
      calls.add("progress:" + e.seq() + ":" + e.step() + "/" + e.total());
    }

    @Override
    public void onPreview(JobEvent e) {
      calls.add("preview:" + e.seq() + ":" + e.previewImage().getWidth());
    }

    @Override
    public void onSucceeded(JobEvent e) {
      calls.add("succeeded:" + e.seq() + ":" + e.job().status());
    }

    @Override
    public void onFailed(JobEvent e) {
      calls.add("failed:" + e.seq() + ":" + e.error().code());
    }

    @Override
    public void onCanceled(JobEvent e) {
      calls.add("canceled:" + e.seq());
    }

    @Override
    public void onError(DpmException error) {
      errors.add(error);
    }

    List<Long> seqs() {
      return events.stream().map(JobEvent::seq).collect(Collectors.toList());
    }
  }

  static void waitFor(BooleanSupplier c, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void eventsArriveInOrderWithTypedCallbacksAndTheStreamEndsAfterTheTerminalEvent() throws Exception {
    String id = server.createJob("gmm-ring-2d", 4); // seq 1: queued
    Recorder r = new Recorder();
    EventSubscription sub = client.events(id, r);
    waitFor(() -> server.subscribers(id) == 1 && r.events.size() == 1, "the subscription");
    server.start(id);
    server.progress(id, 1, 3);
    server.preview(id, 1);
    server.progress(id, 2, 3);
    server.progress(id, 3, 3);
    server.succeed(id);
    sub.done().get(10, TimeUnit.SECONDS);
    assertEquals(List.of("queued:1", "started:2", "progress:3:1/3", "preview:4:2", "progress:5:2/3",
        "progress:6:3/3", "succeeded:7:succeeded"), r.calls);
    assertNotNull(r.events.get(0).job(), "the state event on connect carries the job");
    assertEquals(7, sub.lastSeq());
    assertEquals(1, sub.connections());
    assertEquals(List.of(""), server.eventConnects);
    assertTrue(r.errors.isEmpty());
  }

  @Test
  void aDroppedSocketIsReconnectedAndResumesAfterTheLastSeq() throws Exception {
    String id = server.createJob("gmm-ring-2d", 4);
    Recorder r = new Recorder();
    EventSubscription sub = client.events(id, r);
    waitFor(() -> server.subscribers(id) == 1, "the subscription");
    server.start(id);
    server.progress(id, 1, 4);
    waitFor(() -> r.events.size() == 3, "three events");
    server.dropEventSockets();
    server.progress(id, 2, 4); // while the client is away: replayed on resume
    server.progress(id, 3, 4);
    waitFor(() -> server.subscribers(id) == 1, "the reconnect");
    server.progress(id, 4, 4);
    server.succeed(id);
    sub.done().get(10, TimeUnit.SECONDS);
    assertEquals(LongStream.rangeClosed(1, 7).boxed().collect(Collectors.toList()), r.seqs());
    assertEquals(List.of("queued:1", "started:2", "progress:3:1/4", "progress:4:2/4", "progress:5:3/4",
        "progress:6:4/4", "succeeded:7:succeeded"), r.calls);
    assertEquals(2, sub.connections());
    assertEquals(List.of("", "after=3"), server.eventConnects);
  }

  @Test
  void replayedDuplicatesAreDroppedAcrossManyReconnects() throws Exception {
    server.replayEverything = true; // a sloppy server: ignores after, replays from seq 1
    server.dropSocketAfterLiveEvents = 2; // and drops every socket after two live events
    String id = server.createJob("gmm-ring-2d", 4);
    Recorder r = new Recorder();
    EventSubscription sub = client.events(id, r);
    for (int k = 0; k < 6; k++) {
      int kk = k;
      waitFor(() -> server.subscribers(id) == 1, "subscription " + kk + ": " + server.eventConnects + " " + r.seqs());
      if (k == 0) {
        server.start(id);
      }
      server.progress(id, 2 * k + 1, 12);
      server.progress(id, 2 * k + 2, 12);
    }
    waitFor(() -> server.subscribers(id) == 1, "a subscription");
    server.succeed(id);
    sub.done().get(10, TimeUnit.SECONDS);
    List<Long> seqs = r.seqs();
    assertEquals(LongStream.rangeClosed(1, 15).boxed().collect(Collectors.toList()), seqs, "each event once, in order");
    assertTrue(sub.connections() >= 6, "reconnected " + sub.connections());
  }

  @Test
  void subscribingToAFinishedJobGivesItsTerminalStateAndEnds() throws Exception {
    String id = server.createJob("gmm-ring-2d", 1);
    server.start(id);
    server.fail(id, "deadline-exceeded");
    Recorder r = new Recorder();
    client.events(id, r).done().get(10, TimeUnit.SECONDS);
    assertEquals(List.of("failed:3:deadline-exceeded"), r.calls);
    assertEquals(JobStatus.FAILED, r.events.get(0).job().status());
    assertEquals(List.of(""), server.eventConnects);
  }

  @Test
  void anUnknownJobEndsWithNotFoundWithoutRetrying() throws Exception {
    Recorder r = new Recorder();
    EventSubscription sub = client.events("j_nope", r);
    ExecutionException e = assertThrows(ExecutionException.class, () -> sub.done().get(10, TimeUnit.SECONDS));
    assertInstanceOf(NotFoundException.class, e.getCause());
    assertEquals(1, r.errors.size());
    assertEquals(1, server.eventConnects.size());
    assertThrows(NotFoundException.class, () -> client.await("j_nope", Duration.ofSeconds(5)));
  }

  @Test
  void aServerThatStaysAwayEndsTheStreamWithAnIoError() throws Exception {
    String id = server.createJob("gmm-ring-2d", 1);
    Recorder r = new Recorder();
    EventSubscription sub = client.events(id, r);
    waitFor(() -> server.subscribers(id) == 1, "the subscription");
    server.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> sub.done().get(10, TimeUnit.SECONDS));
    assertInstanceOf(DpmIoException.class, e.getCause());
    assertEquals(5, sub.connections(), "1 + 4 reconnects (policy: 5 attempts)");
  }

  @Test
  void closingStopsTheSubscription() throws Exception {
    String id = server.createJob("gmm-ring-2d", 1);
    Recorder r = new Recorder();
    EventSubscription sub = client.events(id, r);
    waitFor(() -> server.subscribers(id) == 1 && r.events.size() == 1, "the subscription");
    sub.close();
    sub.done().get(1, TimeUnit.SECONDS);
    server.start(id);
    waitFor(() -> server.subscribers(id) == 0, "the server to notice");
    Thread.sleep(50);
    assertEquals(1, r.events.size());
  }

  @Test
  void allEventsFollowsEveryJob() throws Exception {
    Recorder r = new Recorder();
    EventSubscription sub = client.allEvents(r);
    waitFor(() -> server.allSubscribers() == 1, "the subscription");
    String a = server.createJob("gmm-ring-2d", 1);
    String b = server.createJob("gaussian", 1);
    server.start(a);
    server.start(b);
    server.succeed(b);
    waitFor(() -> r.events.size() == 5, "five events");
    assertEquals(List.of(a + ":1", b + ":1", a + ":2", b + ":2", b + ":3"),
        r.events.stream().map(e -> e.jobId() + ":" + e.seq()).collect(Collectors.toList()));
    assertTrue(!sub.done().isDone(), "every-job streams have no terminal event");
    sub.close();
  }

  @Test
  void theFlowPublisherDeliversOnDemandAndCompletes() throws Exception {
    String id = server.createJob("gmm-ring-2d", 1);
    List<Long> got = new CopyOnWriteArrayList<>();
    CountDownLatch complete = new CountDownLatch(1);
    Flow.Subscription[] subscription = new Flow.Subscription[1];
    client.eventPublisher(id).subscribe(new Flow.Subscriber<JobEvent>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription[0] = s;
        s.request(1);
      }

      @Override
      public void onNext(JobEvent item) {
        got.add(item.seq());
      }

      @Override
      public void onError(Throwable throwable) {
        throw new AssertionError(throwable);
      }

      @Override
      public void onComplete() {
        complete.countDown();
      }
    });
    waitFor(() -> server.subscribers(id) == 1 && got.size() == 1, "the first event");
    server.start(id);
    server.progress(id, 1, 2);
    server.progress(id, 2, 2);
    server.succeed(id);
    Thread.sleep(100);
    assertEquals(List.of(1L), got, "nothing beyond the demand");
    subscription[0].request(2);
    waitFor(() -> got.size() == 3, "two more");
    assertEquals(1, complete.getCount());
    subscription[0].request(Long.MAX_VALUE);
    assertTrue(complete.await(5, TimeUnit.SECONDS));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), new ArrayList<>(got));
  }

  @Test
  void awaitWithAListenerSeesProgressThenTheJob() throws Exception {
    server.autoRun = 3;
    Job job = client.submit(DpmClientTest.ring(2));
    Recorder r = new Recorder();
    Job done = client.await(job.id(), Duration.ofSeconds(10), r);
    assertEquals(JobStatus.SUCCEEDED, done.status());
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), r.seqs());
    assertTrue(r.calls.get(r.calls.size() - 1).startsWith("succeeded"));
  }
}
