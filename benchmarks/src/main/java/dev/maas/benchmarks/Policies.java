package dev.maas.benchmarks;

import dev.maas.batch.BatchingPolicy;
import java.time.Duration;

/**
 * The batching policies the benchmarks give maas, chosen for a 2-core machine.
 *
 * <p><b>Batched</b>: {@code maxBatchSize} 64 (the largest concurrency measured, so 64 closed-loop
 * callers fill one batch exactly), {@code maxQueueDelay} 1 ms (a few MLP rows' worth of run time:
 * long enough for callers woken by the previous batch to re-submit, short enough that a lone
 * caller's latency stays close to the run's), {@code instances} 1 (one batch at a time, on one
 * core, leaving the other to the callers and the batcher; measured with 64 callers on the MLP, a
 * second instance cost more CPU per row and context switches than it gained), queue of 4,096
 * (never full with 64 callers: no {@code OverloadedException} in a closed loop). Measured
 * alternatives (max batch 32, max queue delay 0) did no better.
 *
 * <p><b>Off</b>: {@link BatchingPolicy#defaults()}; each call runs on its caller's thread.
 */
public final class Policies {
  private Policies() {}

  /** The largest batch maas forms; also the largest concurrency measured. */
  public static final int MAX_BATCH = 64;

  /** How long the oldest request of a forming batch waits for stragglers. */
  public static final Duration MAX_QUEUE_DELAY = Duration.ofMillis(1);

  /** Dynamic batching, as described above. */
  public static BatchingPolicy batched() {
    return BatchingPolicy.defaults()
        .withMaxBatchSize(MAX_BATCH)
        .withMaxQueueDelay(MAX_QUEUE_DELAY)
        .withInstances(1)
        .withQueueCapacity(4096);
  }

  /** Batching off: each call runs on its caller's thread. */
  public static BatchingPolicy off() {
    return BatchingPolicy.defaults();
  }
}
