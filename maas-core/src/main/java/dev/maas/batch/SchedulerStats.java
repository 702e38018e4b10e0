package dev.maas.batch;

import dev.maas.version.ModelVersion;
import java.util.Arrays;

/**
 * A snapshot of one loaded version's scheduler. Counters are totals since the version was loaded.
 *
 * @param version the version
 * @param queueDepth requests waiting now
 * @param running batches running now
 * @param completed requests answered
 * @param rejected requests refused because the queue was full
 * @param expired requests whose deadline passed before they ran
 * @param failed requests whose batch failed in the runtime
 * @param cancelled requests cancelled by their callers while queued
 * @param batches batches run
 * @param batchSizes {@code batchSizes[n]} is how many batches had {@code n} rows (index 0 unused)
 * @param queueWait time from arrival to the start of the request's batch
 * @param runTime time the runtime took per batch
 */
public record SchedulerStats(
    ModelVersion version,
    int queueDepth,
    int running,
    long completed,
    long rejected,
    long expired,
    long failed,
    long cancelled,
    long batches,
    long[] batchSizes,
    LatencySummary queueWait,
    LatencySummary runTime) {

  /** Copies the histogram. */
  public SchedulerStats {
    batchSizes = batchSizes.clone();
  }

  /** A copy of the batch-size histogram. */
  @Override
  public long[] batchSizes() {
    return batchSizes.clone();
  }

  /** The mean rows per batch, 0 if none ran. */
  public double meanBatchSize() {
    long rows = 0;
    long n = 0;
    for (int i = 1; i < batchSizes.length; i++) {
      rows += i * batchSizes[i];
      n += batchSizes[i];
    }
    return n == 0 ? 0 : (double) rows / n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchedulerStats && toString().equals(o.toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return "SchedulerStats{" + version + ", queue=" + queueDepth + ", running=" + running + ", completed=" + completed
        + ", rejected=" + rejected + ", expired=" + expired + ", failed=" + failed + ", cancelled=" + cancelled
        + ", batches=" + batches + ", sizes=" + Arrays.toString(batchSizes) + ", wait=" + queueWait + ", run=" + runTime + "}";
  }
}
