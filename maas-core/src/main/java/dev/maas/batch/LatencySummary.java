package dev.maas.batch;

/**
 * Percentiles of a latency, in milliseconds, over everything recorded since the version was loaded.
 *
 * @param count how many values were recorded
 * @param p50 the median
 * @param p90 the 90th percentile
 * @param p99 the 99th percentile
 * @param max the largest value
 * @param mean the mean
 */
public record LatencySummary(long count, double p50, double p90, double p99, double max, double mean) {
  /** Nothing recorded. */
  public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0);
}
