package dev.maas.spark;

import static dev.maas.spark.SparkFixtures.ONE_THREAD;
import static dev.maas.spark.SparkFixtures.features;
import static dev.maas.spark.SparkFixtures.featuresOf;

import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.spark.internal.ExecutorServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Question: what does running a model through maas-spark cost over calling {@code
 * ModelService.predict} in a plain loop, and how does it scale from one task thread to two?
 *
 * <p>For each model size it measures rows/s of: a single-JVM loop over {@code predict} with the
 * same batch size on one thread (the baseline) and on two threads (the machine's own ceiling for
 * two-way parallelism at this moment); and {@link SparkInference#transform} over a cached dataset
 * on {@code local[1]} and {@code local[2]}, written to Spark's {@code noop} sink. Besides rows/s
 * it reports CPU time per row (the loop thread's; the Spark tasks' executor CPU time), which other
 * processes on a shared machine disturb far less than wall-clock time, and the fixed wall-clock
 * cost of a job, measured on one row per partition. ONNX Runtime runs
 * each call on one thread in every case. Each figure is the best of several runs, since other
 * processes on a shared machine only ever slow a run down.
 *
 * <p>Not run by default. Run it with
 *
 * <pre>
 * mvn -B -pl maas-spark -am verify -Dtest=SparkThroughputMeasurement -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dmaas.spark.excludedGroups=none [-Dmaas.measure.rows=400000] \
 *     [-Dmaas.measure.models=16x64x4,64x256x16,128x512x16@100000]
 * </pre>
 *
 * It prints a table and writes it to {@code maas-spark/target/spark-throughput.txt}.
 */
@Tag("measurement")
class SparkThroughputMeasurement {
  private static final int BATCH = 512;
  private static final int PARTITIONS = 8;
  private static final int RUNS = 3;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  /** Where the loop's results go, so that the JIT cannot drop the work. */
  static volatile long blackhole;

  @TempDir Path tmp;

  @Test
  void measure() throws Exception {
    long defaultRows = Long.getLong("maas.measure.rows", 400_000);
    String[] models = System.getProperty("maas.measure.models", "16x64x4,64x256x16,128x512x16@100000").split(",");
    List<String> report = new ArrayList<>();
    report.add(String.format(Locale.ROOT, "rows %,d (unless model@rows), batch %d, %d partitions, best of %d runs, %d processors,"
        + " load average before: %s", defaultRows, BATCH, PARTITIONS, RUNS, Runtime.getRuntime().availableProcessors(),
        loadAverage()));
    report.add(String.format(Locale.ROOT, "%-12s %12s %12s %12s %12s %9s %9s %10s %10s", "model", "loop 1 thr",
        "loop 2 thr", "local[1]", "local[2]", "l2/l1", "loop2/1", "wall ovh", "CPU ovh"));

    Path dir = Files.createDirectories(tmp.resolve("store"));
    for (String spec : models) {
      String[] parts = spec.trim().split("@");
      String model = parts[0];
      long rows = parts.length > 1 ? Long.parseLong(parts[1]) : defaultRows;
      int[] size = Arrays.stream(model.split("x")).mapToInt(Integer::parseInt).toArray();
      String name = "mlp" + size[0] + "x" + size[1] + "x" + size[2];
      try (dev.maas.onnx.OnnxRuntime rt = dev.maas.onnx.OnnxRuntime.create(
              dev.maas.onnx.OnnxOptions.defaults().withThreads(1, 1));
          ModelService maas = ModelService.builder().storeDirectory(dir).runtime(rt).build()) {
        maas.deploy(name, SparkFixtures.mlpFile(tmp, size[0], size[1], size[2], 1));
        int in = size[0];
        float[] all = featuresOf(0, (int) rows, in);

        Figure loop1 = best(() -> loop(maas, name, all, in, rows, 1));
        Figure[] local1 = sparkRun(1, dir, name, rows, in);
        Figure local2 = sparkRun(2, dir, name, rows, in)[0];
        Figure loop2 = best(() -> loop(maas, name, all, in, rows, 2));
        Figure again = best(() -> loop(maas, name, all, in, rows, 1));
        loop1 = new Figure(Math.max(loop1.rowsPerSecond(), again.rowsPerSecond()),
            Math.min(loop1.cpuNanosPerRow(), again.cpuNanosPerRow()));

        double wallOverhead = loop1.rowsPerSecond() / local1[0].rowsPerSecond() - 1;
        double jobSeconds = local1[2].rowsPerSecond();
        double perRowRate = rows / (rows / local1[0].rowsPerSecond() - jobSeconds);
        double cpuOverhead = local1[0].cpuNanosPerRow() / loop1.cpuNanosPerRow() - 1;
        report.add(String.format(Locale.ROOT, "%-12s %12s %12s %12s %12s %8.2fx %8.2fx %9.0f%% %9.0f%%", model,
            rate(loop1.rowsPerSecond()), rate(loop2.rowsPerSecond()), rate(local1[0].rowsPerSecond()),
            rate(local2.rowsPerSecond()), local2.rowsPerSecond() / local1[0].rowsPerSecond(),
            loop2.rowsPerSecond() / loop1.rowsPerSecond(), 100 * wallOverhead, 100 * cpuOverhead));
        report.add(String.format(Locale.ROOT, "%-12s CPU per row: loop %.2f us; local[1] tasks %.2f us (+%.2f us),"
            + " of which Spark alone (reading the cached rows into noop) %.2f us; local[2] tasks %.2f us", "",
            loop1.cpuNanosPerRow() / 1e3, local1[0].cpuNanosPerRow() / 1e3,
            (local1[0].cpuNanosPerRow() - loop1.cpuNanosPerRow()) / 1e3, local1[1].cpuNanosPerRow() / 1e3,
            local2.cpuNanosPerRow() / 1e3));
        report.add(String.format(Locale.ROOT, "%-12s wall: a job costs %.0f ms whatever its size; without it local[1]"
            + " scores %s, %.0f%% over the loop", "", jobSeconds * 1e3, rate(perRowRate),
            100 * (loop1.rowsPerSecond() / perRowRate - 1)));
      }
    }
    report.add("load average after: " + loadAverage());
    String text = String.join("\n", report);
    System.out.println(text);
    Files.writeString(Path.of("target", "spark-throughput.txt"), text + "\n");
  }

  /** One timed run: rows per second of wall-clock time, and CPU nanoseconds per row. */
  private record Figure(double rowsPerSecond, double cpuNanosPerRow) {}

  private interface Run {
    Figure run() throws Exception;
  }

  /** The best wall-clock rate and the least CPU per row of a few runs after a warm-up. */
  private static Figure best(Run run) throws Exception {
    run.run(); // warm-up
    double rate = 0;
    double cpu = Double.MAX_VALUE;
    for (int i = 0; i < RUNS; i++) {
      Figure f = run.run();
      rate = Math.max(rate, f.rowsPerSecond());
      cpu = Math.min(cpu, f.cpuNanosPerRow());
    }
    return new Figure(rate, cpu);
  }

  /**
   * The baseline: the same per-row work without Spark. Each batch is copied from the rows into
   * one buffer, run, and its output split into one array per row, as the Spark path does.
   */
  private static Figure loop(ModelService maas, String name, float[] all, int in, long rows, int threads)
      throws Exception {
    ModelRef ref = ModelRef.of(name, 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      List<Future<Long>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long from = rows * t / threads;
        long to = rows * (t + 1) / threads;
        parts.add(pool.submit(() -> {
          long cpuStart = THREADS.getCurrentThreadCpuTime();
          long sink = 0;
          for (long r = from; r < to; r += BATCH) {
            int n = (int) Math.min(BATCH, to - r);
            float[] x = Arrays.copyOfRange(all, (int) r * in, (int) (r + n) * in);
            float[] y = maas.predict(ref, InferenceRequest.of("x", Tensor.of(x, n, in))).output("y").toFloatArray();
            int per = y.length / n;
            for (int i = 0; i < n; i++) {
              float[] row = Arrays.copyOfRange(y, i * per, (i + 1) * per);
              sink += Float.floatToRawIntBits(row[row.length - 1]);
            }
          }
          blackhole = sink;
          return THREADS.getCurrentThreadCpuTime() - cpuStart;
        }));
      }
      long cpu = 0;
      for (Future<Long> f : parts) {
        cpu += f.get();
      }
      return new Figure(rows / ((System.nanoTime() - start) / 1e9), (double) cpu / rows);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Scoring; only reading the cached rows into the noop sink; and the fixed cost of one scoring
   * job in seconds (in the rate field). CPU time is the tasks' executor CPU time.
   */
  private static Figure[] sparkRun(int threads, Path dir, String name, long rows, int in) throws Exception {
    SparkSession spark = SparkFixtures.session(threads);
    TaskCpu taskCpu = new TaskCpu();
    spark.sparkContext().addSparkListener(taskCpu);
    try {
      Dataset<Row> data = features(spark, rows, PARTITIONS, in).cache();
      data.count();
      SparkInference scoring = SparkInference.builder().store(StoreSpec.directory(dir)).model(name + ":1")
          .runtime(ONE_THREAD).input("x", "features").output("y", "prediction").batchSize(BATCH).build();
      Figure scored = best(() -> timed(spark, taskCpu, rows,
          () -> scoring.transform(data).write().format("noop").mode("overwrite").save()));
      Figure read = best(() -> timed(spark, taskCpu, rows,
          () -> data.write().format("noop").mode("overwrite").save()));
      // The fixed cost of a job (driver planning, scheduling, one task per partition): the same
      // job over one row per partition. Its rate field holds seconds per job here.
      Dataset<Row> tiny = features(spark, PARTITIONS, PARTITIONS, in).cache();
      tiny.count();
      double jobSeconds = Double.MAX_VALUE;
      for (int i = 0; i <= RUNS; i++) { // the first is a warm-up
        double seconds = 1 / timed(spark, taskCpu, 1,
            () -> scoring.transform(tiny).write().format("noop").mode("overwrite").save()).rowsPerSecond();
        if (i > 0) {
          jobSeconds = Math.min(jobSeconds, seconds);
        }
      }
      return new Figure[] {scored, read, new Figure(jobSeconds, 0)};
    } finally {
      spark.stop();
      ExecutorServices.closeAll();
    }
  }

  private static Figure timed(SparkSession spark, TaskCpu taskCpu, long rows, Runnable job) throws Exception {
    spark.sparkContext().listenerBus().waitUntilEmpty();
    long cpuBefore = taskCpu.nanos.sum();
    long start = System.nanoTime();
    job.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    spark.sparkContext().listenerBus().waitUntilEmpty();
    return new Figure(rows / seconds, (double) (taskCpu.nanos.sum() - cpuBefore) / rows);
  }

  /** Sums the executor CPU time of every finished task. */
  private static final class TaskCpu extends SparkListener {
    final LongAdder nanos = new LongAdder();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.taskMetrics() != null) {
        nanos.add(end.taskMetrics().executorCpuTime());
      }
    }
  }

  private static String rate(double rowsPerSecond) {
    return String.format(Locale.ROOT, "%,.0f/s", rowsPerSecond);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException | RuntimeException e) {
      return "(unknown)";
    }
  }
}
