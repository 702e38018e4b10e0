package dev.maas.benchmarks;

import dev.maas.batch.BatchingPolicy;
import java.time.Duration;

/**
 * The batching policies the benchmarks give maas, chosen for a 2-core machine by measurement (MLP,
 * idle machine, closed-loop callers; rows/s and p99 in ms).
 *
 * <p><b>Batched</b>: {@code maxBatchSize} 64 (the largest concurrency measured, and the ceiling's
 * batch), {@code maxQueueDelay} 0, {@code instances} 1, queue of 4,096 (never full with 64
 * closed-loop callers, so no {@code OverloadedException}).
 *
 * <p>Max queue delay 0 means: when the instance is free, run what is queued, whatever its size; the
 * batch being run is the window in which the next one gathers. Waiting for stragglers only pays
 * when more callers are coming than the batch holds; a closed loop of N callers below {@code
 * maxBatchSize} instead makes every batch wait the whole delay. Measured with 1 ms against 0: 8
 * callers 6.3k (p99 1.40) against 57k (0.21); 32 callers 21k (1.86) against 65k (0.87); 64 callers
 * 53k (1.88) against 58–64k (1.91–2.14); 1 caller 0.85k against 10.3k. Max batch 32 gave the same
 * rows/s at 64 callers (65k, p99 1.39–1.46). A second instance (one batch per core) gave 70k at
 * 64 callers with p99 3.1 ms and 20% more CPU per row; kept at 1.
 *
 * <p><b>Off</b>: {@link BatchingPolicy#defaults()}; each call runs on its caller's thread.
 */
public final class Policies {
  private Policies() {}

  /** The largest batch maas forms; also the largest concurrency measured. */
  public static final int MAX_BATCH = 64;

  /** How long the oldest request of a forming batch waits for stragglers. */
  public static final Duration MAX_QUEUE_DELAY = Duration.ZERO;

  /** Dynamic batching, as described above. */
  public static BatchingPolicy batched() {
    return BatchingPolicy.defaults()
        .withMaxBatchSize(MAX_BATCH)
        .withMaxQueueDelay(MAX_QUEUE_DELAY)
        .withInstances(1)
        .withQueueCapacity(4096);
  }

  /** {@link #batched()} with another max queue delay, in µs (the unit of the benchmarks' parameters). */
  public static BatchingPolicy batched(long maxQueueDelayMicros) {
    return batched().withMaxQueueDelay(Duration.ofNanos(maxQueueDelayMicros * 1000));
  }

  /** Batching off: each call runs on its caller's thread. */
  public static BatchingPolicy off() {
    return BatchingPolicy.defaults();
  }
}
