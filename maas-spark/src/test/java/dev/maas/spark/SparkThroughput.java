package dev.maas.spark;

import static dev.maas.spark.SparkFixtures.ONE_THREAD;
import static dev.maas.spark.SparkFixtures.features;
import static dev.maas.spark.SparkFixtures.featuresOf;

import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.spark.internal.ExecutorServices;
import dev.maas.spark.internal.ServiceConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Question: what does scoring through maas-spark cost per row over a plain single-JVM loop over
 * {@code ModelService.predict} with the same batch size, and how do rows/s grow from {@code
 * local[1]} to {@code local[2]}?
 *
 * <p><b>What is compared.</b> The same rows (a generated MLP's features, {@code in} floats each),
 * the same batch size, and the very same {@code ModelService} object: the loop calls the service
 * that the Spark tasks use ({@link ExecutorServices}, ONNX Runtime with one thread per call, as many
 * concurrent runs as task slots). The loop builds each batch's tensor from a Java array of all rows
 * (one copy per batch, as the Spark path copies rows into its batch buffer) and splits the output
 * into one array per row (as the Spark path makes one array value per row). Spark reads the rows
 * from a cached dataset (built before timing) and writes the scored rows to Spark's {@code noop}
 * sink. Data generation, caching, session start-up and model loading are outside every timed block.
 * A further block takes the scored rows straight from maas-spark's function (the RDD under the
 * scored dataset), without Spark's final projection or a sink: what a plan node of our own could
 * save at most on the output side.
 *
 * <p><b>How.</b> Rounds alternate the two sides in adjacent blocks (loop, Spark, Spark, loop...) so
 * a change in the machine's load hits both alike, after warm-up runs that are not counted. Each
 * round restarts Spark once as {@code local[1]} and once as {@code local[2]} (the loaded model is
 * kept: it lives in the JVM, not the session). Per block it records wall-clock time, the CPU time
 * of the work (the loop threads'; the Spark tasks' executor CPU time, reported by Spark), this
 * process's CPU time (adds GC, JIT and Spark's own threads), and how busy the whole machine was
 * ({@code /proc/stat}). Spark's fixed cost per job (planning, scheduling, one task per partition)
 * is measured on one row per partition and reported apart; the per-row figures subtract it. The
 * summary gives medians over rounds of paired ratios (each round's Spark block against its own
 * loop block).
 *
 * <p><b>Run</b> (from the repository root, after {@code mvn -o -q -B -DskipTests package -pl
 * maas-spark -am}), under the measurement lock:
 *
 * <pre>
 * flock /tmp/maas-measure.lock mvn -o -B verify -pl maas-spark -am -Dtest=SparkThroughputMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dmaas.spark.excludedGroups=none \
 *     [-Dspark.test.heap=6g -Dmaas.measure.args="--model 256x1024x256 --rows 1000000 --rounds 5"]
 * </pre>
 *
 * or directly with {@link #main}: {@code --model IN×HIDDEN×OUT} (default {@code 256x1024x256}, the
 * benchmark suite's MLP; {@code 64x256x16} is the stress case for per-row costs), {@code --rows}
 * (200,000, which fits the test JVM's default 2 GB heap; a million rows of 256 features need
 * {@code -Dspark.test.heap=6g}), {@code --batch} (512), {@code --partitions} (8), {@code --rounds}
 * (5), {@code --warmup} (1), {@code --out} (where the table is also written). {@code --profile
 * SECONDS} instead runs only {@code local[1]} scoring for that long, to attach a profiler (JFR).
 */
public final class SparkThroughput {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  /** Where the loop's results go, so that the JIT cannot drop the work. */
  static volatile long blackhole;

  private final int in;
  private final int hidden;
  private final int out;
  private final long rows;
  private final int batch;
  private final int partitions;
  private final int rounds;
  private final int warmup;
  private final Path store;
  private final String name;

  private SparkThroughput(Map<String, String> options, Path work) {
    int[] size = Arrays.stream(options.getOrDefault("model", "256x1024x256").split("x")).mapToInt(Integer::parseInt)
        .toArray();
    this.in = size[0];
    this.hidden = size[1];
    this.out = size[2];
    this.rows = Long.parseLong(options.getOrDefault("rows", "200000"));
    this.batch = Integer.parseInt(options.getOrDefault("batch", "512"));
    this.partitions = Integer.parseInt(options.getOrDefault("partitions", "8"));
    this.rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
    this.warmup = Integer.parseInt(options.getOrDefault("warmup", "1"));
    this.store = work.resolve("store");
    this.name = "mlp" + in + "x" + hidden + "x" + out;
  }

  /**
   * Runs the measurement with {@code --name value} options (see the class comment) and prints the
   * report.
   */
  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("maas-spark-throughput");
    System.out.println(run(args, work));
  }

  /** Runs the measurement in {@code work} and returns its report (also written to {@code --out}). */
  static String run(String[] args, Path work) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    SparkThroughput m = new SparkThroughput(options, work);
    m.deploy(work);
    try {
      if (options.containsKey("profile")) {
        m.profile(Long.parseLong(options.get("profile")));
        return "profiled";
      }
      String report = m.measure(String.join(" ", args));
      if (options.containsKey("out")) {
        Files.writeString(Path.of(options.get("out")), report + "\n");
      }
      return report;
    } finally {
      ExecutorServices.closeAll();
    }
  }

  private void deploy(Path work) throws IOException {
    Files.createDirectories(store);
    try (dev.maas.onnx.OnnxRuntime rt = dev.maas.onnx.OnnxRuntime.create(
            dev.maas.onnx.OnnxOptions.defaults().withThreads(1, 1));
        ModelService maas = ModelService.builder().storeDirectory(store).runtime(rt).build()) {
      maas.deploy(name, SparkFixtures.mlpFile(work, in, hidden, out, 1));
    }
  }

  private SparkInference scoring() {
    return SparkInference.builder().store(StoreSpec.directory(store)).model(name + ":1").runtime(ONE_THREAD)
        .input("x", "features").output("y", "prediction").batchSize(batch).build();
  }

  /** The executors' service: the loop calls the same object the Spark tasks call. */
  private ModelService sharedService() {
    return ExecutorServices.service(new ServiceConfig(StoreSpec.directory(store), ONE_THREAD, name));
  }

  // ------------------------------------------------------------------ the measurement

  /** One timed block. */
  record Block(double seconds, double workCpuNanos, double processCpuNanos, double busyPercent, long rows) {
    double rowsPerSecond() {
      return rows / seconds;
    }

    double cpuPerRow() {
      return workCpuNanos / rows;
    }
  }

  /**
   * One round's blocks at one task-thread count. {@code unprojected}: the same scoring, but its
   * rows taken straight from maas-spark's function (the RDD under the scored dataset), without the
   * projection Spark puts over that RDD and without a sink: what a physical plan node of our own
   * could save at most on the output side.
   */
  record Round(Block loop, Block scored, Block read, Block job, Block unprojected) {}

  private String measure(String args) throws Exception {
    float[] all = featuresOf(0, Math.toIntExact(rows), in);
    Map<Integer, List<Round>> results = new LinkedHashMap<>();
    results.put(1, new ArrayList<>());
    results.put(2, new ArrayList<>());
    String loadBefore = loadAverage();
    Busy total = Busy.start();
    for (int round = -warmup; round < rounds; round++) {
      for (int threads = 1; threads <= 2; threads++) {
        Round r = round(threads, all, round % 2 == 0);
        if (round >= 0) {
          results.get(threads).add(r);
        }
      }
    }
    double busyAll = total.percent();
    return report(args, results, loadBefore, busyAll);
  }

  /** One session of {@code local[threads]}: the loop with as many threads, scoring, reading, a tiny job. */
  private Round round(int threads, float[] all, boolean loopFirst) throws Exception {
    SparkSession spark = SparkFixtures.session(threads);
    TaskCpu taskCpu = new TaskCpu();
    spark.sparkContext().addSparkListener(taskCpu);
    try {
      Dataset<Row> data = features(spark, rows, partitions, in).cache();
      data.count();
      Dataset<Row> tiny = features(spark, partitions, partitions, in).cache();
      tiny.count();
      SparkInference scoring = scoring();
      ModelService service = sharedService();
      Block loop = null;
      if (loopFirst) {
        loop = loop(service, all, threads);
      }
      Block scored = timed(spark, taskCpu, rows,
          () -> scoring.transform(data).write().format("noop").mode("overwrite").save());
      Block read = timed(spark, taskCpu, rows, () -> data.write().format("noop").mode("overwrite").save());
      Block job = timed(spark, taskCpu, partitions,
          () -> scoring.transform(tiny).write().format("noop").mode("overwrite").save());
      org.apache.spark.rdd.RDD<org.apache.spark.sql.catalyst.InternalRow> direct =
          ((org.apache.spark.sql.execution.LogicalRDD) scoring.transform(data).queryExecution().analyzed()).rdd();
      Block unprojected = timed(spark, taskCpu, rows, () -> direct.toJavaRDD().foreach(row -> { }));
      if (!loopFirst) {
        loop = loop(service, all, threads);
      }
      return new Round(loop, scored, read, job, unprojected);
    } finally {
      spark.stop();
    }
  }

  /** Runs local[1] scoring for {@code seconds}, for a profiler. */
  private void profile(long seconds) throws Exception {
    SparkSession spark = SparkFixtures.session(1);
    try {
      Dataset<Row> data = features(spark, rows, partitions, in).cache();
      data.count();
      SparkInference scoring = scoring();
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      int jobs = 0;
      while (System.nanoTime() < end) {
        scoring.transform(data).write().format("noop").mode("overwrite").save();
        jobs++;
      }
      System.out.println("profiled " + jobs + " jobs of " + rows + " rows");
    } finally {
      spark.stop();
    }
  }

  /**
   * The baseline: the same rows through the same service in batches of the same size, on {@code
   * threads} threads, each taking a contiguous share of the rows.
   */
  private Block loop(ModelService service, float[] all, int threads) throws Exception {
    ModelRef ref = ModelRef.of(name, 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      Busy busy = Busy.start();
      long process = OS.getProcessCpuTime();
      long start = System.nanoTime();
      List<Future<Long>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long from = rows * t / threads;
        long to = rows * (t + 1) / threads;
        parts.add(pool.submit(() -> {
          long cpuStart = THREADS.getCurrentThreadCpuTime();
          long sink = 0;
          for (long r = from; r < to; r += batch) {
            int n = (int) Math.min(batch, to - r);
            float[] x = Arrays.copyOfRange(all, (int) r * in, (int) (r + n) * in);
            float[] y = service.predict(ref, InferenceRequest.of("x", Tensor.of(x, n, in))).output("y").toFloatArray();
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
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Block(seconds, cpu, OS.getProcessCpuTime() - process, busy.percent(), rows);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Block timed(SparkSession spark, TaskCpu taskCpu, long rows, Runnable job) throws Exception {
    spark.sparkContext().listenerBus().waitUntilEmpty();
    long cpuBefore = taskCpu.nanos.sum();
    Busy busy = Busy.start();
    long process = OS.getProcessCpuTime();
    long start = System.nanoTime();
    job.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    long processCpu = OS.getProcessCpuTime() - process;
    double busyPercent = busy.percent();
    spark.sparkContext().listenerBus().waitUntilEmpty();
    return new Block(seconds, taskCpu.nanos.sum() - cpuBefore, processCpu, busyPercent, rows);
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

  // ------------------------------------------------------------------ the report

  private String report(String args, Map<Integer, List<Round>> results, String loadBefore, double busyAll) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "SparkThroughput %s", args));
    lines.add(String.format(Locale.ROOT, "model %dx%dx%d, %,d rows, batch %d, %d partitions, %d rounds after %d"
            + " warm-up, %d processors; load average before %s, after %s; machine busy %.0f%% over the whole run",
        in, hidden, out, rows, batch, partitions, rounds, warmup, Runtime.getRuntime().availableProcessors(),
        loadBefore, loadAverage(), busyAll));
    lines.add("");
    lines.add(String.format(Locale.ROOT, "%-5s %-8s %12s %10s %10s %11s %7s", "round", "block", "rows/s", "work us/row",
        "proc us/row", "wall us/row", "busy%"));
    for (Map.Entry<Integer, List<Round>> e : results.entrySet()) {
      int threads = e.getKey();
      int i = 0;
      for (Round r : e.getValue()) {
        lines.add(row(i, "loop" + threads, r.loop()));
        lines.add(row(i, "local[" + threads + "]", r.scored()));
        lines.add(row(i, "read" + threads, r.read()));
        lines.add(row(i, "noproj" + threads, r.unprojected()));
        lines.add(String.format(Locale.ROOT, "%-5d %-8s %9.0f ms per job (one row per partition), process CPU %.0f ms",
            i, "job" + threads, r.job().seconds() * 1e3, r.job().processCpuNanos() / 1e6));
        i++;
      }
    }
    List<Round> one = results.get(1);
    List<Round> two = results.get(2);
    lines.add("");
    lines.add("Medians over rounds (range in brackets); each ratio pairs a round's Spark block with that round's"
        + " loop block:");
    lines.add("  CPU per row, loop (1 thread):                 " + us(median(one, r -> r.loop().cpuPerRow())));
    lines.add("  CPU per row, local[1] tasks:                  " + us(median(one, r -> r.scored().cpuPerRow())));
    lines.add("  CPU per row, reading the cached rows alone:   " + us(median(one, r -> r.read().cpuPerRow())));
    lines.add("  per-row CPU overhead, local[1] over the loop: " + pct(one,
        r -> r.scored().cpuPerRow() / r.loop().cpuPerRow() - 1));
    lines.add("    of which maas-spark (reading excluded):     " + pct(one,
        r -> (r.scored().cpuPerRow() - r.read().cpuPerRow()) / r.loop().cpuPerRow() - 1));
    lines.add("  CPU per row, local[1], no final projection:   " + us(median(one, r -> r.unprojected().cpuPerRow())));
    lines.add("    overhead over the loop without it:          " + pct(one,
        r -> r.unprojected().cpuPerRow() / r.loop().cpuPerRow() - 1));
    lines.add("  per-row process-CPU overhead (GC, JIT too):   " + pct(one,
        r -> r.scored().processCpuNanos() / r.loop().processCpuNanos() - 1));
    lines.add("    a job's fixed process CPU subtracted:       " + pct(one,
        r -> (r.scored().processCpuNanos() - r.job().processCpuNanos()) / r.loop().processCpuNanos() - 1));
    lines.add("  per-row wall overhead, job cost subtracted:   " + pct(one,
        r -> (r.scored().seconds() - r.job().seconds()) / r.loop().seconds() - 1));
    lines.add("  fixed cost of a job, local[1]:                " + String.format(Locale.ROOT, "%.0f ms",
        1e3 * median(one, r -> r.job().seconds())[0]));
    lines.add("  rows/s loop 1 thread / local[1]:              " + rate(median(one, r -> r.loop().rowsPerSecond()))
        + " / " + rate(median(one, r -> r.scored().rowsPerSecond())));
    lines.add("  rows/s loop 2 threads / local[2]:             " + rate(median(two, r -> r.loop().rowsPerSecond()))
        + " / " + rate(median(two, r -> r.scored().rowsPerSecond())));
    List<double[]> pairs = new ArrayList<>();
    for (int i = 0; i < Math.min(one.size(), two.size()); i++) {
      Round a = one.get(i);
      Round b = two.get(i);
      pairs.add(new double[] {b.scored().rowsPerSecond() / a.scored().rowsPerSecond(),
          b.loop().rowsPerSecond() / a.loop().rowsPerSecond(),
          (a.scored().seconds() - a.job().seconds()) / (b.scored().seconds() - b.job().seconds())});
    }
    lines.add("  local[2] / local[1] rows/s:                   " + ratio(pairs, 0));
    lines.add("    job cost subtracted:                        " + ratio(pairs, 2));
    lines.add("  loop 2 threads / 1 thread (the machine's own ceiling now): " + ratio(pairs, 1));
    lines.add("  CPU per row, local[2] tasks:                  " + us(median(two, r -> r.scored().cpuPerRow())));
    lines.add("  machine busy during the blocks, median:       " + String.format(Locale.ROOT, "%.0f%% (local[1]),"
            + " %.0f%% (local[2]); on 2 processors our own work alone makes 50%% and 100%%",
        median(one, r -> r.scored().busyPercent())[0], median(two, r -> r.scored().busyPercent())[0]));
    return String.join("\n", lines);
  }

  private static String row(int round, String block, Block b) {
    return String.format(Locale.ROOT, "%-5d %-8s %12s %10.3f %10.3f %11.3f %6.0f%%", round, block,
        String.format(Locale.ROOT, "%,.0f", b.rowsPerSecond()), b.cpuPerRow() / 1e3,
        b.processCpuNanos() / b.rows() / 1e3, b.seconds() / b.rows() * 1e6, b.busyPercent());
  }

  private interface Metric {
    double of(Round r);
  }

  /** {median, min, max}. */
  private static double[] median(List<Round> rounds, Metric m) {
    double[] v = rounds.stream().mapToDouble(m::of).sorted().toArray();
    if (v.length == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    double med = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return new double[] {med, v[0], v[v.length - 1]};
  }

  private static String us(double[] m) {
    return String.format(Locale.ROOT, "%.3f us [%.3f–%.3f]", m[0] / 1e3, m[1] / 1e3, m[2] / 1e3);
  }

  private static String pct(List<Round> rounds, Metric m) {
    double[] v = median(rounds, m);
    return String.format(Locale.ROOT, "%+.0f%% [%+.0f%% – %+.0f%%]", 100 * v[0], 100 * v[1], 100 * v[2]);
  }

  private static String rate(double[] m) {
    return String.format(Locale.ROOT, "%,.0f [%,.0f–%,.0f]", m[0], m[1], m[2]);
  }

  private static String ratio(List<double[]> pairs, int index) {
    double[] v = pairs.stream().mapToDouble(p -> p[index]).sorted().toArray();
    if (v.length == 0) {
      return "n/a";
    }
    double med = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return String.format(Locale.ROOT, "%.2fx [%.2f–%.2f]", med, v[0], v[v.length - 1]);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException | RuntimeException e) {
      return "(unknown)";
    }
  }

  /** How busy all processors were between {@link #start()} and {@link #percent()}, from {@code /proc/stat}. */
  private record Busy(long[] first) {
    static Busy start() {
      return new Busy(cpuTimes());
    }

    /** Percent of all processors' time not idle (or NaN where {@code /proc/stat} is missing). */
    double percent() {
      long[] now = cpuTimes();
      if (first == null || now == null) {
        return Double.NaN;
      }
      long idle = (now[3] + now[4]) - (first[3] + first[4]);
      long total = 0;
      for (int i = 0; i < Math.min(now.length, 8); i++) {
        total += now[i] - first[i];
      }
      return total <= 0 ? Double.NaN : 100.0 * (total - idle) / total;
    }

    /** user nice system idle iowait irq softirq steal, in ticks, or null. */
    private static long[] cpuTimes() {
      try {
        String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
        String[] f = line.trim().split("\\s+");
        long[] t = new long[Math.min(8, f.length - 1)];
        for (int i = 0; i < t.length; i++) {
          t[i] = Long.parseLong(f[i + 1]);
        }
        return t;
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
  }
}
