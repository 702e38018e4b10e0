package dev.maas.storage.s3.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RecordSuccessRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenResponse;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.api.RetryToken;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;

/**
 * Repeats a transfer step that failed after its response had started: a body cut short, a stalled
 * connection. The SDK client already retries failures before a response (with the client's own
 * retry strategy); a failure while reading the body happens outside that loop, so this class runs
 * the SDK's standard retry strategy (same attempts, exponential backoff with jitter) around it.
 *
 * <p>Thread-safe.
 */
public final class Retrier {
  private final RetryStrategy strategy;

  /**
   * A retrier that tries each step at most {@code maxAttempts} times.
   *
   * @param maxAttempts 1 for no retry
   * @param baseDelay the first backoff (doubled each time, with jitter)
   * @param maxDelay the largest backoff
   */
  public Retrier(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    this.strategy = DefaultRetryStrategy.standardStrategyBuilder()
        .maxAttempts(maxAttempts)
        .backoffStrategy(BackoffStrategy.exponentialDelay(baseDelay, maxDelay))
        .retryOnException(BodyInterruptedException.class)
        // Each transfer has its own budget of attempts; a shared token bucket would let one bad
        // download starve the next one of retries.
        .circuitBreakerEnabled(false)
        .build();
  }

  /** One step of a transfer. */
  @FunctionalInterface
  public interface Step<T> {
    /** Runs the step; throws {@link BodyInterruptedException} for a failure worth repeating. */
    T run() throws IOException;
  }

  /**
   * Runs {@code step}, repeating it after a backoff while it throws {@link
   * BodyInterruptedException} and attempts remain.
   *
   * @throws BodyInterruptedException the last failure, once attempts are exhausted
   * @throws IOException whatever else the step throws, at once
   */
  public <T> T run(String scope, Step<T> step) throws IOException {
    RetryToken token = strategy.acquireInitialToken(AcquireInitialTokenRequest.create(scope)).token();
    int attempt = 1;
    while (true) {
      try {
        T result = step.run();
        strategy.recordSuccess(RecordSuccessRequest.create(token));
        return result;
      } catch (BodyInterruptedException e) {
        RefreshRetryTokenResponse next;
        try {
          next = strategy.refreshRetryToken(RefreshRetryTokenRequest.builder().token(token).failure(e).build());
        } catch (TokenAcquisitionFailedException giveUp) {
          throw e.afterAttempts(attempt);
        }
        sleep(next.delay());
        token = next.token();
        attempt++;
      }
    }
  }

  private static void sleep(Duration delay) throws InterruptedIOException {
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
  }
}
