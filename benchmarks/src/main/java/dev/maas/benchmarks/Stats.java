package dev.maas.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Collection;

/** The small statistics the benchmark programs share. */
final class Stats {
  private Stats() {}

  /** The median: the middle value, or the mean of the two middle values of an even count; NaN if empty. */
  static double median(Collection<Double> values) {
    double[] a = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (a.length == 0) {
      return Double.NaN;
    }
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /** The CPU time of this whole process so far (every thread, an in-process server's too), in nanoseconds. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
