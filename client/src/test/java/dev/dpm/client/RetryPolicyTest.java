package dev.dpm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Backoff arithmetic, Retry-After parsing and what is retried. */
class RetryPolicyTest {
  private final RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(1000), 0.5);

  @Test
  void backoffDoublesUpToTheMaxAndJitterOnlyShortensIt() {
    // u = 0: no jitter; the delay before attempt k+1 is min(max, base·2^(k−1))
    assertEquals(Duration.ofMillis(100), p.delay(1, null, () -> 0.0));
    assertEquals(Duration.ofMillis(200), p.delay(2, null, () -> 0.0));
    assertEquals(Duration.ofMillis(400), p.delay(3, null, () -> 0.0));
    assertEquals(Duration.ofMillis(800), p.delay(4, null, () -> 0.0));
    assertEquals(Duration.ofMillis(1000), p.delay(5, null, () -> 0.0));
    assertEquals(Duration.ofMillis(1000), p.delay(40, null, () -> 0.0));
    // u → 1: the delay shrinks by the jitter fraction (0.5), never below
    assertEquals(Duration.ofMillis(50), p.delay(1, null, () -> 1.0));
    assertEquals(Duration.ofMillis(75), p.delay(1, null, () -> 0.5));
  }

  @Test
  void retryAfterIsAFloorAndTooLongMeansDoNotRetry() {
    assertEquals(Duration.ofMillis(700), p.delay(1, Duration.ofMillis(700), () -> 0.0));
    assertEquals(Duration.ofMillis(800), p.delay(4, Duration.ofMillis(300), () -> 0.0), "backoff larger than Retry-After");
    assertNull(p.delay(1, Duration.ofSeconds(2), () -> 0.0), "longer than maxDelay: give up");
  }

  @Test
  void retryAfterHeaderForms() {
    assertEquals(Duration.ofSeconds(3), Transport.parseRetryAfter(Optional.of(" 3 ")));
    assertEquals(Duration.ZERO, Transport.parseRetryAfter(Optional.of("-1")));
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(30));
    Duration d = Transport.parseRetryAfter(Optional.of(date));
    assertTrue(d.getSeconds() >= 28 && d.getSeconds() <= 30, d.toString());
    assertNull(Transport.parseRetryAfter(Optional.of("soon")));
    assertNull(Transport.parseRetryAfter(Optional.empty()));
  }

  @Test
  void whatIsRetried() {
    Problem p0 = new Problem("t", "x", 0, null, null, null);
    assertTrue(Transport.retryable(new DpmIoException("reset", null)));
    assertTrue(Transport.retryable(new DpmTimeoutException("slow", null)));
    assertTrue(Transport.retryable(new RateLimitedException(429, p0, null)));
    assertTrue(Transport.retryable(new ServerException(503, p0, null)));
    assertTrue(Transport.retryable(new ServerException(502, p0, null)));
    assertTrue(!Transport.retryable(new ServerException(501, p0, null)));
    assertTrue(!Transport.retryable(new ValidationException(400, p0, null)));
    assertTrue(!Transport.retryable(new NotFoundException(404, p0, null)));
    assertTrue(!Transport.retryable(new ConflictException(409, p0, null)));
    assertTrue(!Transport.retryable(new JobFailedException(DpmJson.read(
        "{\"id\":\"j\",\"status\":\"failed\",\"n\":1,\"seed\":1}", Job.class))));
  }

  @Test
  void policiesAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 0));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1), 0));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.5));
    assertEquals(1, RetryPolicy.none().maxAttempts());
    assertEquals(7, RetryPolicy.defaults().withMaxAttempts(7).maxAttempts());
  }

  @Test
  void pathSegmentsAreEscaped() {
    assertEquals("j_01-a.b~c", Transport.seg("j_01-a.b~c"));
    assertEquals("a%2Fb%20c%3F", Transport.seg("a/b c?"));
    assertEquals("%2E%2E", Transport.seg(".."));
    assertEquals("%C3%A9", Transport.seg("é"));
    assertThrows(IllegalArgumentException.class, () -> Transport.seg(""));
  }
}
