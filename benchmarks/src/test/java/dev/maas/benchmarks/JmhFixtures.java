package dev.maas.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes small JMH JSON result files, shaped as JMH 1.37 writes them ({@code -rf json}), so that
 * the report and the guard are tested on known figures without running JMH. Every iteration of a
 * result has the same value, so medians, p50 and p99 all equal it.
 */
final class JmhFixtures {
  private final List<String> entries = new ArrayList<>();

  /** An {@code OverheadBenchmark} result (average time) for {@code system} on the MLP. */
  JmhFixtures overhead(String system, double micros) {
    entries.add(entry("OverheadBenchmark." + system, "avgt", 1, "\"model\":\"mlp\",\"intraOpThreads\":\"1\"",
        "\"rawData\":[[" + micros + "," + micros + "," + micros + "]]"));
    return this;
  }

  /** A sample-mode result of {@code threads} callers, each call taking {@code micros}. */
  JmhFixtures callers(Contender c, int threads, double micros) {
    String params = c.preformed()
        ? "\"model\":\"mlp\",\"batch\":\"" + threads + "\",\"intraOpThreads\":\"2\""
        : "\"model\":\"mlp\",\"intraOpThreads\":\"1\"";
    entries.add(entry(c.benchmark(), "sample", c.preformed() ? 1 : threads, params, sampleData(micros)));
    return this;
  }

  /** A {@code maasAsyncInFlight} result: {@code inFlight} calls in flight, one row answered per {@code micros}. */
  JmhFixtures inFlight(int inFlight, double micros) {
    entries.add(entry("CeilingBenchmark.maasAsyncInFlight", "sample", 1,
        "\"model\":\"mlp\",\"inFlight\":\"" + inFlight + "\",\"intraOpThreads\":\"2\"", sampleData(micros)));
    return this;
  }

  /**
   * A {@code VirtualCallersBenchmark} result (throughput, rows/s over all callers) of 64 virtual callers
   * of {@code system} on the MLP; {@code delayMicros} is maas's max queue delay (0 for the others).
   */
  JmhFixtures virtual(String system, long delayMicros, double rowsPerSecond) {
    entries.add(entry("VirtualCallersBenchmark.blockingCalls", "thrpt", 1,
        "\"system\":\"" + system + "\",\"model\":\"mlp\",\"callers\":\"64\",\"maxQueueDelayMicros\":\"" + delayMicros
            + "\"", "\"rawData\":[[" + rowsPerSecond + "," + rowsPerSecond + "," + rowsPerSecond + "]]")
        .replace("\"score\":0,", "\"score\":" + rowsPerSecond + ",").replace("\"us/op\"", "\"ops/s\""));
    return this;
  }

  /** Writes {@code jmh-fixture.json} and a {@code conditions.txt} into {@code dir}. */
  Path writeTo(Path dir) throws IOException {
    Files.writeString(dir.resolve("conditions.txt"), "machine: 2 cores, 8 GiB, test JVM; profile quick; 2026-11-29T18:00Z\n"
        + "  overhead-mlp                  20s   machine   3% busy with other work just before\n");
    return Files.writeString(dir.resolve("jmh-fixture.json"), "[" + String.join(",", entries) + "]");
  }

  /** Three sample-mode iterations of 100 calls of {@code micros} each. */
  private static String sampleData(double micros) {
    String histogram = "[[" + micros + ",100]]";
    return "\"rawDataHistogram\":[[" + histogram + "," + histogram + "," + histogram + "]]";
  }

  private static String entry(String benchmark, String mode, int threads, String params, String data) {
    return String.format(Locale.ROOT, "{\"jmhVersion\":\"1.37\",\"benchmark\":\"dev.maas.benchmarks.%s\",\"mode\":\"%s\","
        + "\"threads\":%d,\"forks\":1,\"params\":{%s},\"primaryMetric\":{\"score\":0,\"scoreError\":0,"
        + "\"scoreUnit\":\"us/op\",%s},\"secondaryMetrics\":{}}", benchmark, mode, threads, params, data);
  }
}
