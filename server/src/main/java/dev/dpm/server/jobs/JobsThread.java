package dev.dpm.server.jobs;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/** The one thread ({@code dpm-jobs}) on which every job state change runs, so none of them race. */
final class JobsThread {
  /** A blocking action on the jobs thread. */
  @FunctionalInterface
  interface Action<T> {
    T run() throws Exception;
  }

  private final ExecutorService exec = Executors.newSingleThreadExecutor(r -> daemon(r, "dpm-jobs"));

  static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Runs later; throws {@link RejectedExecutionException} once shut down. */
  void execute(Runnable r) {
    exec.execute(r);
  }

  /** Runs later, or drops the task when shutting down (returns false). */
  boolean offer(Runnable r) {
    try {
      exec.execute(r);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** @return the action's result, completed on the jobs thread ({@link Rejection.ShuttingDown} once shut down) */
  <T> CompletableFuture<T> async(Action<T> a) {
    CompletableFuture<T> f = new CompletableFuture<>();
    if (!offer(() -> {
      try {
        f.complete(a.run());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    })) {
      f.completeExceptionally(new Rejection.ShuttingDown().toException());
    }
    return f;
  }

  /** Runs the action on the jobs thread and waits for it. */
  <T> T call(Action<T> a) throws SQLException {
    try {
      return async(a).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SQLException s) {
        throw s;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new SQLException(e.getCause());
    }
  }

  void shutdown(long seconds) {
    exec.shutdown();
    try {
      exec.awaitTermination(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void shutdownNow() {
    exec.shutdownNow();
  }
}
