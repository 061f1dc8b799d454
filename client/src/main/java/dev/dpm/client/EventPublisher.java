package dev.dpm.client;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A {@link Flow.Publisher} view of a job's events: each subscriber gets its own WebSocket
 * subscription, the events in order without duplicates, {@code onComplete} after the terminal
 * event and {@code onError} when the subscription fails. Events wait in an unbounded buffer until
 * requested (a job's events are few; the server coalesces progress for slow readers).
 */
final class EventPublisher implements Flow.Publisher<JobEvent> {
  private final Function<JobEventListener, EventSubscription> open;

  /** @param open opens a subscription feeding a listener */
  EventPublisher(Function<JobEventListener, EventSubscription> open) {
    this.open = open;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super JobEvent> subscriber) {
    java.util.Objects.requireNonNull(subscriber, "subscriber"); // Flow rule 1.9
    Bridge b = new Bridge(subscriber);
    subscriber.onSubscribe(b);
    b.start();
  }

  private final class Bridge implements Flow.Subscription, JobEventListener {
    private final Flow.Subscriber<? super JobEvent> downstream;
    private final Queue<JobEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean cancelled;
    private volatile boolean completed;
    private volatile Throwable error;
    private volatile EventSubscription sub;
    private boolean terminated; // only touched in drain

    Bridge(Flow.Subscriber<? super JobEvent> downstream) {
      this.downstream = downstream;
    }

    void start() {
      if (!cancelled) {
        sub = open.apply(this);
        if (cancelled) {
          sub.close();
        }
      }
    }

    @Override
    public void onEvent(JobEvent e) {
      queue.add(e);
      if (e.isTerminal()) {
        completed = true;
      }
      drain();
    }

    @Override
    public void onError(DpmException e) {
      if (error == null) {
        error = e;
      }
      drain();
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        error = new IllegalArgumentException("Flow rule 3.9: request(" + n + ")");
        queue.clear();
        EventSubscription s = sub;
        if (s != null) {
          s.close();
        }
        drain();
        return;
      }
      requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      drain();
    }

    @Override
    public void cancel() {
      cancelled = true;
      EventSubscription s = sub;
      if (s != null) {
        s.close();
      }
    }

    private void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      int missed = 1;
      while (true) {
        while (!terminated && !cancelled && requested.get() > 0 && !queue.isEmpty()) {
          JobEvent e = queue.poll();
          requested.decrementAndGet();
          downstream.onNext(e);
        }
        if (!terminated && !cancelled && queue.isEmpty() && (completed || error != null)) {
          terminated = true;
          if (error != null) {
            downstream.onError(error);
          } else {
            downstream.onComplete();
          }
        }
        missed = wip.addAndGet(-missed);
        if (missed == 0) {
          return;
        }
      }
    }
  }
}
