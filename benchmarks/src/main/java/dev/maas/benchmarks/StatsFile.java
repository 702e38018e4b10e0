package dev.maas.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.maas.batch.LatencySummary;
import dev.maas.batch.SchedulerStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * maas's own view of a benchmark run, written beside JMH's JSON: how big its batches were while
 * JMH measured, and how long they ran. {@link Report} reads it.
 */
final class StatsFile {
  private StatsFile() {}

  static Path dir() {
    return Path.of(System.getProperty("maas.bench.out", "target"));
  }

  static Path path(String model, int threads) {
    return dir().resolve("maas-stats-" + model + "-t" + threads + ".json");
  }

  /**
   * Writes the batches run between {@code start} (null: since load) and {@code end}, and {@code
   * end}'s latency summaries (which cover everything since load, warm-up included).
   */
  static void write(String model, int threads, SchedulerStats start, SchedulerStats end) {
    long[] a = start == null ? new long[end.batchSizes().length] : start.batchSizes();
    long[] b = end.batchSizes();
    long batches = 0;
    long rows = 0;
    for (int i = 1; i < b.length; i++) {
      long n = b[i] - a[i];
      batches += n;
      rows += n * i;
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode o = json.createObjectNode();
    o.put("model", model);
    o.put("threads", threads);
    o.put("measuredBatches", batches);
    o.put("measuredRows", rows);
    o.put("meanBatchSize", batches == 0 ? 0 : (double) rows / batches);
    o.set("runTimeMs", summary(json, end.runTime()));
    o.set("queueWaitMs", summary(json, end.queueWait()));
    o.put("rejected", end.rejected());
    o.put("failed", end.failed());
    try {
      Files.createDirectories(dir());
      json.writerWithDefaultPrettyPrinter().writeValue(path(model, threads).toFile(), o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode summary(ObjectMapper json, LatencySummary s) {
    ObjectNode o = json.createObjectNode();
    o.put("count", s.count());
    o.put("p50", s.p50());
    o.put("p90", s.p90());
    o.put("p99", s.p99());
    o.put("max", s.max());
    o.put("mean", s.mean());
    return o;
  }
}
