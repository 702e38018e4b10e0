package dev.maas.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Collection;

/** The small statistics the benchmark programs share. */
final class Stats {
  private Stats() {}

  /** The median: the middle value, or the mean of the two middle values of an even count; NaN if empty. */
  static double median(Collection<Double> values) {
    return median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The median of {@code values} (sorted here, in place), as {@link #median(Collection)}. */
  static double median(double[] values) {
    java.util.Arrays.sort(values);
    int n = values.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  /** The median of one column of {@code rows}. */
  static double median(java.util.List<double[]> rows, int column) {
    return median(rows.stream().mapToDouble(r -> r[column]).toArray());
  }

  /** The CPU time of this whole process so far (every thread, an in-process server's too), in nanoseconds. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
