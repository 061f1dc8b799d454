package dev.dpm.client;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * How the client retries: at most {@code maxAttempts} attempts in all, waiting an exponentially
 * growing, jittered delay between them: before attempt k+1 it waits
 * {@code min(maxDelay, baseDelay·2^(k−1)) · (1 − jitter·u)}, u uniform in [0, 1). When the server
 * sends {@code Retry-After} (429, 503) the client waits at least that long — or, if that is longer
 * than {@code maxDelay}, gives up at once and throws, so a caller is never blocked longer than it
 * agreed to.
 *
 * <p>What is retried: connection failures, request timeouts, 408, 429, 500, 502, 503 and 504. Every
 * call of the SDK is idempotent (reads, cancel, and submits that always carry an
 * {@code Idempotency-Key}), so a retry never creates a second job.
 *
 * @param maxAttempts attempts in all, ≥ 1 (1: no retries)
 * @param baseDelay the delay before the first retry
 * @param maxDelay the largest delay
 * @param jitter the fraction of each delay that is randomised, in [0, 1]
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, double jitter) {

  /** Validates the policy. */
  public RetryPolicy {
    Objects.requireNonNull(baseDelay, "baseDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be ≥ 1, was " + maxAttempts);
    }
    if (baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
      throw new IllegalArgumentException("need 0 ≤ baseDelay ≤ maxDelay, was " + baseDelay + ", " + maxDelay);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1], was " + jitter);
    }
  }

  /** @return 4 attempts, 250 ms doubling up to 8 s, 20 % jitter (about 2 s of retrying) */
  public static RetryPolicy defaults() {
    return new RetryPolicy(4, Duration.ofMillis(250), Duration.ofSeconds(8), 0.2);
  }

  /** @return one attempt, no retries */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0);
  }

  /**
   * @param attempts attempts in all
   * @return this policy with another number of attempts
   */
  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(attempts, baseDelay, maxDelay, jitter);
  }

  /**
   * The delay before retrying after a failed attempt.
   *
   * @param attempt the attempt that failed, 1-based
   * @param retryAfter what the server asked for, or null
   * @param uniform a source of uniform numbers in [0, 1)
   * @return the delay, or null when the server asked for longer than {@code maxDelay} (do not retry)
   */
  public Duration delay(int attempt, Duration retryAfter, DoubleSupplier uniform) {
    if (retryAfter != null && retryAfter.compareTo(maxDelay) > 0) {
      return null;
    }
    double base = baseDelay.toNanos() * Math.pow(2, Math.max(0, attempt - 1));
    double backoff = Math.min(maxDelay.toNanos(), base) * (1 - jitter * uniform.getAsDouble());
    long nanos = (long) backoff;
    if (retryAfter != null) {
      nanos = Math.max(nanos, retryAfter.toNanos());
    }
    return Duration.ofNanos(nanos);
  }
}
