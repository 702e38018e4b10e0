package dev.maas.batch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How requests to one loaded model version are queued, batched and run. Immutable; validated when
 * made; derive variants with the {@code with...} methods.
 *
 * <pre>{@code
 * BatchingPolicy p = BatchingPolicy.defaults()
 *     .withMaxBatchSize(32)
 *     .withMaxQueueDelay(Duration.ofMillis(2))
 *     .withPreferredBatchSizes(List.of(16, 32))
 *     .withInstances(1);
 * }</pre>
 *
 * <p><b>Batching off</b> ({@code maxBatchSize} 1, the default): a call runs on the caller's thread
 * when an instance is free and nothing is queued, so it costs next to nothing over calling the
 * runtime; otherwise it waits in the bounded priority queue for an instance.
 *
 * <p><b>Batching on</b> ({@code maxBatchSize} above 1): requests queue; a batcher takes what is
 * queued (higher priority first, FIFO within a priority), then waits for stragglers only until the
 * <i>oldest</i> request of the batch has waited {@code maxQueueDelay} since it arrived, or until the
 * earliest deadline in the batch, and stops early when the batch reaches {@code maxBatchSize} or a
 * preferred size. A request counts by its rows (its first dimension). A request with more rows than
 * {@code maxBatchSize} is refused with an {@link dev.maas.InvalidInputException} (split it, or use
 * a bulk job). Requests whose non-batch dimensions differ go into different batches, unless the
 * input has a pad value ({@link #withPadding}): then they are padded to the longest in the batch, and
 * outputs named in {@link #withOutputFollows} are cut back to each request's own length. A model
 * whose inputs or outputs have no dynamic first dimension is never batched.
 *
 * <p><b>Who runs a batch.</b> A blocking call that finds an instance free forms and runs the next
 * batch itself, on the caller's thread, by the rules above, and completes the other requests in it;
 * when nothing is queued and nothing is to be waited for, its batch is its request alone and the
 * queue is skipped. Otherwise the version's batcher threads (one per instance) run what is queued.
 *
 * @param maxBatchSize the most rows one run may take; 1 turns batching off; at most {@value #MAX_BATCH_SIZE}
 * @param maxQueueDelay the longest the oldest request of a forming batch waits for stragglers
 * @param preferredBatchSizes batch sizes (rows) at which a batch is dispatched at once
 * @param queueCapacity the most requests queued per version; beyond it calls fail at once with
 *     {@link dev.maas.OverloadedException}
 * @param instances how many batches may run at once on one loaded version (each is a thread); at
 *     most {@value #MAX_INSTANCES}
 * @param defaultTimeout the deadline of calls that set none, or null for none
 * @param padding pad values by input name, for inputs whose non-batch dimensions may differ
 * @param outputFollows for outputs cut back after padding: output name to the (input, axis) whose
 *     length that output's same axis follows
 */
public record BatchingPolicy(
    int maxBatchSize,
    Duration maxQueueDelay,
    List<Integer> preferredBatchSizes,
    int queueCapacity,
    int instances,
    Duration defaultTimeout,
    Map<String, Double> padding,
    Map<String, Follow> outputFollows) {

  /**
   * An output axis whose length follows an input axis, e.g. {@code last_hidden_state} axis 1
   * follows {@code input_ids} axis 1.
   *
   * @param input the input name
   * @param axis the axis (at least 1), the same on the input and the output
   */
  public record Follow(String input, int axis) {
    /** Validates. */
    public Follow {
      Objects.requireNonNull(input, "input");
      if (axis < 1) {
        throw new IllegalArgumentException("axis must be >= 1 (axis 0 is the batch), got " + axis);
      }
    }
  }

  /**
   * The largest {@link #maxBatchSize()}. Policies also come from manifests in the store, and each
   * loaded version sizes a histogram by it: the bound keeps a careless or hostile manifest from
   * costing gigabytes.
   */
  public static final int MAX_BATCH_SIZE = 1 << 16;

  /**
   * The most {@link #instances()}: each is a thread of every loaded version, so the bound keeps a
   * careless or hostile manifest from starting millions of threads.
   */
  public static final int MAX_INSTANCES = 1024;

  /** Validates and copies. */
  public BatchingPolicy {
    if (maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException("maxBatchSize must be 1.." + MAX_BATCH_SIZE + ", got " + maxBatchSize);
    }
    Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
    if (maxQueueDelay.isNegative()) {
      throw new IllegalArgumentException("maxQueueDelay must be >= 0, got " + maxQueueDelay);
    }
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    for (int s : preferredBatchSizes) {
      if (s < 1 || s > maxBatchSize) {
        throw new IllegalArgumentException("preferred batch size " + s + " is outside 1.." + maxBatchSize);
      }
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
    }
    if (instances < 1 || instances > MAX_INSTANCES) {
      throw new IllegalArgumentException("instances must be 1.." + MAX_INSTANCES + ", got " + instances);
    }
    if (defaultTimeout != null && (defaultTimeout.isZero() || defaultTimeout.isNegative())) {
      throw new IllegalArgumentException("defaultTimeout must be positive, got " + defaultTimeout);
    }
    padding = Map.copyOf(padding);
    outputFollows = Map.copyOf(outputFollows);
    for (Follow f : outputFollows.values()) {
      if (!padding.containsKey(f.input())) {
        throw new IllegalArgumentException("output follows input '" + f.input() + "', which has no pad value");
      }
    }
  }

  /**
   * Batching off, a queue of 1,000 requests, one instance per available processor, no default
   * timeout.
   */
  public static BatchingPolicy defaults() {
    return new BatchingPolicy(1, Duration.ZERO, List.of(), 1000,
        Math.min(MAX_INSTANCES, Math.max(1, java.lang.Runtime.getRuntime().availableProcessors())), null, Map.of(),
        Map.of());
  }

  /** Whether batching is on ({@code maxBatchSize} above 1). */
  public boolean batching() {
    return maxBatchSize > 1;
  }

  /** This policy with another maximum batch size (1 turns batching off). */
  public BatchingPolicy withMaxBatchSize(int size) {
    return new BatchingPolicy(size, maxQueueDelay, preferredBatchSizes.stream().filter(s -> s <= size).toList(),
        queueCapacity, instances, defaultTimeout, padding, outputFollows);
  }

  /** This policy with another straggler wait. */
  public BatchingPolicy withMaxQueueDelay(Duration delay) {
    return new BatchingPolicy(maxBatchSize, delay, preferredBatchSizes, queueCapacity, instances, defaultTimeout,
        padding, outputFollows);
  }

  /** This policy with other preferred batch sizes. */
  public BatchingPolicy withPreferredBatchSizes(List<Integer> sizes) {
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, sizes, queueCapacity, instances, defaultTimeout,
        padding, outputFollows);
  }

  /** This policy with another queue capacity (requests per version). */
  public BatchingPolicy withQueueCapacity(int capacity) {
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, preferredBatchSizes, capacity, instances, defaultTimeout,
        padding, outputFollows);
  }

  /** This policy with another number of concurrent batches per version. */
  public BatchingPolicy withInstances(int n) {
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, preferredBatchSizes, queueCapacity, n, defaultTimeout,
        padding, outputFollows);
  }

  /** This policy with a deadline for calls that set none (null for none). */
  public BatchingPolicy withDefaultTimeout(Duration timeout) {
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, preferredBatchSizes, queueCapacity, instances, timeout,
        padding, outputFollows);
  }

  /** This policy padding {@code input} with {@code value} to the longest in a batch. */
  public BatchingPolicy withPadding(String input, double value) {
    java.util.HashMap<String, Double> m = new java.util.HashMap<>(padding);
    m.put(Objects.requireNonNull(input, "input"), value);
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, preferredBatchSizes, queueCapacity, instances, defaultTimeout,
        m, outputFollows);
  }

  /** This policy cutting {@code output}'s {@code axis} back to each request's length of {@code input}'s same axis. */
  public BatchingPolicy withOutputFollows(String output, String input, int axis) {
    java.util.HashMap<String, Follow> m = new java.util.HashMap<>(outputFollows);
    m.put(Objects.requireNonNull(output, "output"), new Follow(input, axis));
    return new BatchingPolicy(maxBatchSize, maxQueueDelay, preferredBatchSizes, queueCapacity, instances, defaultTimeout,
        padding, m);
  }
}
