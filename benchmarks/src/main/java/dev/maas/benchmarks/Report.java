package dev.maas.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads the JMH JSON files of one {@code benchmarks/run.sh} run ({@code jmh-*.json}) and maas's
 * scheduler statistics ({@code maas-stats-*.json}) from a directory, prints a Markdown report:
 * overhead at batch 1, throughput and latency per concurrency with the ratios maas / raw ONNX
 * Runtime, maas / DJL and maas / ceiling, allocation per call, and the targets of issues 3 and 8 met
 * or missed; and writes PNG charts of throughput and latency per model into the same directory
 * ({@link Charts}). The report's very last line is exactly {@code RESULT overhead=R1 vs_ceiling=R2
 * vs_raw=R3 vs_djl=R4} (MLP; {@code nan} where a number is missing).
 *
 * <p><b>How numbers are summarised.</b> Every figure is computed per measured iteration, and the
 * median over the iterations is reported: a short burst of load from another process on a shared
 * machine then moves the median little, where it would move JMH's pooled mean and pooled tail. In
 * sample mode an iteration's throughput is threads / its mean latency (closed loop), and its p50
 * and p99 are its own. JMH's pooled score is printed beside for reference.
 *
 * <pre>{@code
 * java -Djava.awt.headless=true -cp benchmarks/target/benchmarks.jar dev.maas.benchmarks.Report benchmarks/target
 * }</pre>
 */
public final class Report {
  /** The ONNX Runtime version the benchmarks were built with (the parent pom's, by resource filtering). */
  static final String ORT_VERSION = ortVersion();

  private static String ortVersion() {
    java.util.Properties versions = new java.util.Properties();
    try (java.io.InputStream in = Report.class.getResourceAsStream("versions.properties")) {
      if (in != null) {
        versions.load(in);
      }
    } catch (java.io.IOException e) {
      // reported as unknown below
    }
    return versions.getProperty("onnxruntime.version", "unknown version");
  }

  private static final String OVERHEAD = "OverheadBenchmark.";
  private static final String CONCURRENCY = "ConcurrencyBenchmark.";
  private static final String CEILING = Contender.CEILING.benchmark();
  private static final String BURST = "CeilingBenchmark.maasAsyncBurst";
  private static final String IN_FLIGHT = "CeilingBenchmark.maasAsyncInFlight";
  /** Above this share of the cores busy with other work before a run, the report warns. */
  static final int BUSY_LIMIT = 15;

  private final List<Run> runs = new ArrayList<>();
  private final Map<String, JsonNode> stats = new TreeMap<>();
  private final StringBuilder out = new StringBuilder();
  private final List<String> conditions = new ArrayList<>();
  private final Map<String, JsonNode> paired = new TreeMap<>();
  /** {@code PairedConcurrency}'s results by file name. */
  private final Map<String, JsonNode> pairedConcurrency = new TreeMap<>();
  /** The JDK each benchmark class ran on, from JMH's JSON (virtual threads need 21 or later). */
  private final Map<String, String> jdks = new TreeMap<>();
  static final String VIRTUAL = "VirtualCallersBenchmark.blockingCalls";
  static final String NOOP = "SchedulerBenchmark.";
  static final String TENSORS = "TensorConversionBenchmark.";
  /** The PNG files {@link #writeCharts} wrote, or why it could not. */
  private final List<String> charts = new ArrayList<>();

  /** One JMH result: a benchmark method with its parameters and thread count. */
  record Run(String benchmark, String model, int threads, int batch, int intraOpThreads, long maxQueueDelayMicros,
      String extraParams, String mode, double score, double scoreError, String unit, Map<String, Double> secondary,
      List<Iteration> iterations) {

    /** Bytes allocated per op (JMH's gc profiler), NaN if not profiled. */
    double allocPerOp() {
      return secondary.getOrDefault("gc.alloc.rate.norm", Double.NaN);
    }

    /** CPU µs of the whole JVM per op ({@link CpuTimeProfiler}), NaN if not profiled. */
    double cpuPerOp() {
      return secondary.getOrDefault("cpu.time.norm", Double.NaN);
    }

    /** Context switches of the JVM's threads per op ({@link CpuTimeProfiler}), NaN if not profiled. */
    double switchesPerOp() {
      return secondary.getOrDefault("cpu.switches.norm", Double.NaN);
    }

    /** Cores the JVM kept busy ({@link CpuTimeProfiler}), NaN if not profiled. */
    double cores() {
      return secondary.getOrDefault("cpu.cores", Double.NaN);
    }

    /** The median over iterations of one per-iteration figure. */
    double median(java.util.function.ToDoubleFunction<Iteration> f) {
      return Stats.median(iterations.stream().mapToDouble(f).toArray());
    }

    /** Median time per op, µs. */
    double meanUs() {
      return median(Iteration::meanUs);
    }

    /** Median p50 latency per op, µs. */
    double p50Us() {
      return median(Iteration::p50Us);
    }

    /** Median p99 latency per op, µs. */
    double p99Us() {
      return median(Iteration::p99Us);
    }

    /** Median items per second: threads × rows per op / mean time per op. */
    double rowsPerSecond() {
      int rows = batch > 0 ? batch : 1;
      return median(i -> threads * rows * 1e6 / i.meanUs());
    }
  }

  /** One measured iteration: mean, p50 and p99 time per op in µs (p50 = p99 = mean in avgt mode). */
  record Iteration(double meanUs, double p50Us, double p99Us) {}

  /**
   * Writes the charts of the results in a directory into it, then prints the report (which names
   * the charts), ending with the {@code RESULT} line.
   *
   * @param args the directory holding {@code jmh-*.json} (default {@code target})
   * @throws IOException if a file cannot be read
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "target");
    Report r = new Report();
    r.load(dir);
    r.writeCharts(dir);
    System.out.print(r.render());
    System.out.flush();
  }

  void load(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "jmh-*.json")) {
      ds.forEach(files::add);
    }
    files.sort(null);
    for (Path f : files) {
      JsonNode root = json.readTree(f.toFile());
      for (JsonNode e : root) {
        runs.add(parse(e));
        String b = e.path("benchmark").asText();
        jdks.put(b.substring(b.lastIndexOf('.', b.lastIndexOf('.') - 1) + 1, b.lastIndexOf('.')),
            e.path("jdkVersion").asText("?"));
      }
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "paired-concurrency-*.json")) {
      for (Path f : ds) {
        pairedConcurrency.put(f.getFileName().toString(), json.readTree(f.toFile()));
      }
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "paired-overhead-*.json")) {
      for (Path f : ds) {
        JsonNode n = json.readTree(f.toFile());
        paired.put(n.path("model").asText(), n);
      }
    }
    Path cond = dir.resolve("conditions.txt");
    if (Files.exists(cond)) {
      conditions.addAll(Files.readAllLines(cond));
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "maas-stats-*.json")) {
      for (Path f : ds) {
        JsonNode n = json.readTree(f.toFile());
        stats.put(n.path("model").asText() + "-t" + n.path("threads").asInt(), n);
      }
    }
  }

  private static Run parse(JsonNode e) {
    String name = e.path("benchmark").asText();
    JsonNode params = e.path("params");
    JsonNode pm = e.path("primaryMetric");
    String unit = pm.path("scoreUnit").asText();
    int threads = e.path("threads").asInt(1);
    double perSecond = opsPerSecond(unit);
    if (!Double.isNaN(perSecond)) {
      // Throughput mode: the score is ops per unit of time over all threads; read it as each thread's
      // time per op, so that rowsPerSecond() = threads / time per op gives the score back.
      List<Iteration> its = new ArrayList<>();
      for (JsonNode fork : pm.path("rawData")) {
        for (JsonNode it : fork) {
          double us = threads * 1e6 / (it.asDouble() * perSecond);
          its.add(new Iteration(us, us, us));
        }
      }
      double score = pm.path("score").asDouble() * perSecond;
      double us = threads * 1e6 / score;
      return run(name, e, params, unit, us, us * pm.path("scoreError").asDouble(Double.NaN) * perSecond / score, its);
    }
    double toUs = unitToMicros(unit);
    List<Iteration> its = new ArrayList<>();
    if (pm.has("rawDataHistogram")) {
      for (JsonNode fork : pm.path("rawDataHistogram")) {
        for (JsonNode it : fork) {
          its.add(fromHistogram(it, toUs));
        }
      }
    } else {
      for (JsonNode fork : pm.path("rawData")) {
        for (JsonNode it : fork) {
          double us = it.asDouble() * toUs;
          its.add(new Iteration(us, us, us));
        }
      }
    }
    return run(name, e, params, unit, pm.path("score").asDouble() * toUs, pm.path("scoreError").asDouble(Double.NaN) * toUs,
        its);
  }

  private static Run run(String name, JsonNode e, JsonNode params, String unit, double scoreUs, double errorUs,
      List<Iteration> its) {
    String shortName = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
    // Secondary metrics of profilers: the median of their per-iteration values.
    Map<String, Double> secondary = new TreeMap<>();
    JsonNode sec = e.path("secondaryMetrics");
    for (var it = sec.fields(); it.hasNext(); ) {
      var m = it.next();
      String key = m.getKey().replace("\u00b7", "");
      if (key.equals("gc.alloc.rate.norm") || key.startsWith("cpu.")) {
        List<Double> v = new ArrayList<>();
        m.getValue().path("rawData").forEach(fork -> fork.forEach(x -> v.add(x.asDouble())));
        secondary.put(key, v.isEmpty() ? m.getValue().path("score").asDouble(Double.NaN) : Stats.median(v));
      }
    }
    return new Run(shortName, params.path("model").asText("?"), e.path("threads").asInt(1),
        params.path("batch").asInt(0), params.path("intraOpThreads").asInt(0),
        params.path("maxQueueDelayMicros").asLong(Policies.MAX_QUEUE_DELAY.toNanos() / 1000), extra(params),
        e.path("mode").asText(), scoreUs, errorUs, unit, secondary, its);
  }

  /** Ops per second in one op per {@code unit} of a throughput score, NaN for a time-per-op unit. */
  private static double opsPerSecond(String unit) {
    switch (unit) {
      case "ops/s": return 1;
      case "ops/ms": return 1e3;
      case "ops/us": return 1e6;
      case "ops/ns": return 1e9;
      default: return Double.NaN;
    }
  }

  /** The parameters other than model, batch and intra-op threads, as {@code k=v k=v}. */
  private static String extra(JsonNode params) {
    StringBuilder sb = new StringBuilder();
    for (var it = params.fields(); it.hasNext(); ) {
      var p = it.next();
      if (!List.of("model", "batch", "intraOpThreads").contains(p.getKey())) {
        sb.append(sb.length() > 0 ? " " : "").append(p.getKey()).append('=').append(p.getValue().asText());
      }
    }
    return sb.toString();
  }

  private static double unitToMicros(String unit) {
    switch (unit) {
      case "ns/op": return 1e-3;
      case "us/op": return 1;
      case "ms/op": return 1e3;
      case "s/op": return 1e6;
      default: throw new IllegalArgumentException("unexpected JMH unit " + unit + ": use a time per op mode");
    }
  }

  /** Mean, p50 and p99 of one iteration's histogram of [value, count] pairs. */
  private static Iteration fromHistogram(JsonNode pairs, double toUs) {
    List<double[]> v = new ArrayList<>();
    long n = 0;
    double sum = 0;
    for (JsonNode p : pairs) {
      double x = p.get(0).asDouble() * toUs;
      long c = p.get(1).asLong();
      v.add(new double[] {x, c});
      n += c;
      sum += x * c;
    }
    v.sort((a, b) -> Double.compare(a[0], b[0]));
    return new Iteration(n == 0 ? Double.NaN : sum / n, percentile(v, n, 0.50), percentile(v, n, 0.99));
  }

  private static double percentile(List<double[]> sorted, long n, double q) {
    if (n == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(q * n));
    long seen = 0;
    for (double[] p : sorted) {
      seen += (long) p[1];
      if (seen >= rank) {
        return p[0];
      }
    }
    return sorted.get(sorted.size() - 1)[0];
  }

  // ------------------------------------------------------------------ lookups

  /** {@code maasAsyncInFlight} with {@code n} calls in flight (its own parameter, not a batch). */
  private Optional<Run> inFlight(String model, int n) {
    return runs.stream()
        .filter(r -> r.benchmark.equals(IN_FLIGHT) && r.model.equals(model))
        .filter(r -> java.util.Arrays.asList(r.extraParams.split(" ")).contains("inFlight=" + n))
        .reduce((a, b) -> b);
  }

  private Optional<Run> find(String benchmark, String model, int threads, int batch) {
    return runs.stream()
        .filter(r -> r.benchmark.equals(benchmark) && r.model.equals(model))
        .filter(r -> threads < 0 || r.threads == threads)
        .filter(r -> batch < 0 || r.batch == batch)
        .reduce((a, b) -> b); // the last file wins if a configuration ran twice
  }

  /** A contender's run on {@code model} for N = {@code n}: N threads, or one thread with batches of N. */
  Optional<Run> at(Contender c, String model, int n) {
    return c.preformed() ? find(c.benchmark(), model, 1, n) : find(c.benchmark(), model, n, -1);
  }

  /** A contender's rows per second on {@code model} at N = {@code n}, NaN if not measured. */
  double rowsPerSecond(Contender c, String model, int n) {
    return at(c, model, n).map(Run::rowsPerSecond).orElse(Double.NaN);
  }

  /** maas's rows per second over {@code other}'s on {@code model} at N = {@code n}, NaN if either is missing. */
  double maasOver(Contender other, String model, int n) {
    return rowsPerSecond(Contender.MAAS, model, n) / rowsPerSecond(other, model, n);
  }

  /** {@code OverheadBenchmark}'s median time per call of one system ({@code maas}, {@code raw}, {@code djl}), µs. */
  double overheadMicros(String system, String model) {
    return find(OVERHEAD + system, model, -1, -1).map(Run::meanUs).orElse(Double.NaN);
  }

  /** maas's time per call at batch 1 over {@code system}'s ({@code raw} or {@code djl}), NaN if either is missing. */
  double overheadRatio(String system, String model) {
    return overheadMicros("maas", model) / overheadMicros(system, model);
  }

  /** The paired cross-check's median maas / raw ratio on {@code model}, NaN if it did not run. */
  double pairedOverhead(String model) {
    JsonNode p = paired.get(model);
    return p == null ? Double.NaN : p.path("ratioMedian").asDouble(Double.NaN);
  }

  /** The intra-op thread settings a benchmark ran with on a model, e.g. {@code 1} or {@code 1/2}. */
  private String intra(String benchmark, String model) {
    TreeSet<Integer> s = new TreeSet<>();
    runs.stream().filter(r -> r.benchmark.equals(benchmark) && r.model.equals(model)).forEach(r -> s.add(r.intraOpThreads));
    return s.isEmpty() ? "n/a" : s.stream().map(String::valueOf).reduce((a, b) -> a + "/" + b).orElse("");
  }

  private TreeSet<String> models(String prefix) {
    TreeSet<String> m = new TreeSet<>((a, b) -> a.equals("mlp") ? (b.equals("mlp") ? 0 : -1) : b.equals("mlp") ? 1 : a.compareTo(b));
    runs.stream().filter(r -> r.benchmark.startsWith(prefix)).forEach(r -> m.add(r.model));
    return m;
  }

  /** The caller counts measured at N callers on {@code model}, ascending. */
  private TreeSet<Integer> callers(String model) {
    TreeSet<Integer> threads = new TreeSet<>();
    runs.stream().filter(r -> r.benchmark.startsWith(CONCURRENCY) && r.model.equals(model))
        .forEach(r -> threads.add(r.threads));
    return threads;
  }

  /** The largest share of the cores that other processes kept busy before a JMH run, -1 if unknown. */
  int busiest() {
    int max = -1;
    java.util.regex.Pattern p = java.util.regex.Pattern.compile("machine\\s+(\\d+)% busy");
    for (String c : conditions) {
      java.util.regex.Matcher m = p.matcher(c);
      if (m.find()) {
        max = Math.max(max, Integer.parseInt(m.group(1)));
      }
    }
    return max;
  }

  /** The machine, profile and date of the run ({@code conditions.txt}'s first line), for the charts. */
  String machine() {
    String first = conditions.isEmpty() ? "machine and date unknown (no conditions.txt)" : conditions.get(0);
    String s = first.startsWith("machine: ") ? first.substring("machine: ".length()) : first;
    int busy = busiest();
    return busy > BUSY_LIMIT ? s + "; other processes kept the cores up to " + busy + "% busy: not reliable" : s;
  }

  /** What the charts plot: every contender's throughput and latency per caller count, per model. */
  List<Charts.ModelFigures> figures() {
    List<Charts.ModelFigures> all = new ArrayList<>();
    for (String model : models(CONCURRENCY)) {
      int[] n = callers(model).stream().mapToInt(Integer::intValue).toArray();
      Map<Contender, Charts.Series> series = new java.util.EnumMap<>(Contender.class);
      for (Contender c : Contender.values()) {
        double[] rate = new double[n.length];
        double[] p50 = new double[n.length];
        double[] p99 = new double[n.length];
        for (int i = 0; i < n.length; i++) {
          Optional<Run> r = at(c, model, n[i]);
          rate[i] = r.map(Run::rowsPerSecond).orElse(Double.NaN);
          p50[i] = r.map(Run::p50Us).orElse(Double.NaN) / 1000;
          p99[i] = r.map(Run::p99Us).orElse(Double.NaN) / 1000;
        }
        if (java.util.Arrays.stream(rate).anyMatch(v -> !Double.isNaN(v))) {
          series.put(c, new Charts.Series(rate, p50, p99));
        }
      }
      all.add(new Charts.ModelFigures(model, n, series));
    }
    return all;
  }

  /**
   * Writes the charts into {@code dir}. A failure is reported in the Markdown, not thrown: the
   * report matters more than its pictures.
   */
  void writeCharts(Path dir) {
    try {
      for (Path p : Charts.write(dir, machine(), figures())) {
        charts.add("`" + p.getFileName() + "`");
      }
    } catch (IOException | RuntimeException | Error e) {
      charts.add("not written: " + e);
    }
  }

  // ------------------------------------------------------------------ rendering

  String render() {
    line("## maas vs raw ONNX Runtime and DJL");
    line("");
    line("Figures are medians over measured iterations (see `Report` Javadoc); throughput = callers × rows per"
        + " call / mean latency (closed loop). ONNX Runtime's intra-op threads are given per table. DJL: its"
        + " ONNX Runtime engine on the same ONNX Runtime (" + ORT_VERSION + ") and session options, a predictor per thread.");
    line("");
    renderOverhead();
    renderConcurrency();
    renderVirtual();
    renderPairedConcurrency();
    renderNoOp();
    renderTensors();
    renderCharts();
    renderTargets();
    renderDetails();
    renderConditions();
    line(resultLine());
    return out.toString();
  }

  /** {@code RESULT overhead=R1 vs_ceiling=R2 vs_raw=R3 vs_djl=R4}, all on the MLP. */
  String resultLine() {
    return "RESULT overhead=" + fmt(overheadRatio("raw", "mlp")) + " vs_ceiling=" + fmt(maasOver(Contender.CEILING, "mlp", 64))
        + " vs_raw=" + fmt(maasOver(Contender.RAW, "mlp", 64)) + " vs_djl=" + fmt(maasOver(Contender.DJL, "mlp", 64));
  }

  private void renderOverhead() {
    line("### Overhead: one call, one row, one thread, batching off");
    line("");
    line("Wall: time per call. CPU: CPU time of the whole JVM per call (`CpuTimeProfiler`), less sensitive"
        + " than wall time to other processes on the machine. B: bytes allocated on the heap per call (`-prof gc`).");
    line("");
    line("| model | intra-op threads | maas µs/call | raw ORT µs/call | DJL µs/call | maas / raw | maas / DJL"
        + " | maas CPU µs | raw CPU µs | DJL CPU µs | CPU maas / raw | CPU maas / DJL | maas B/call | raw B/call"
        + " | DJL B/call |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String model : models(OVERHEAD)) {
      Optional<Run> m = find(OVERHEAD + "maas", model, -1, -1);
      Optional<Run> r = find(OVERHEAD + "raw", model, -1, -1);
      Optional<Run> d = find(OVERHEAD + "djl", model, -1, -1);
      double mc = m.map(Run::cpuPerOp).orElse(Double.NaN);
      double rc = r.map(Run::cpuPerOp).orElse(Double.NaN);
      double dc = d.map(Run::cpuPerOp).orElse(Double.NaN);
      line("| " + model + " | " + m.or(() -> r).or(() -> d).map(x -> String.valueOf(x.intraOpThreads)).orElse("?")
          + " | " + fmtUs(overheadMicros("maas", model)) + " | " + fmtUs(overheadMicros("raw", model)) + " | "
          + fmtUs(overheadMicros("djl", model)) + " | **" + fmt(overheadRatio("raw", model)) + "** | **"
          + fmt(overheadRatio("djl", model)) + "** | " + fmtUs(mc) + " | " + fmtUs(rc) + " | " + fmtUs(dc) + " | "
          + fmt(mc / rc) + " | " + fmt(mc / dc) + " | " + fmtBytes(m.map(Run::allocPerOp).orElse(Double.NaN)) + " | "
          + fmtBytes(r.map(Run::allocPerOp).orElse(Double.NaN)) + " | "
          + fmtBytes(d.map(Run::allocPerOp).orElse(Double.NaN)) + " |");
    }
    line("");
    for (JsonNode p : paired.values()) {
      line("Paired cross-check (`PairedOverhead`, " + p.path("model").asText() + "): one thread alternating blocks of "
          + p.path("block").asInt() + " maas and raw calls, " + p.path("pairs").asInt() + " pairs: maas "
          + fmtUs(p.path("maasMicros").asDouble()) + " µs/call, raw " + fmtUs(p.path("rawMicros").asDouble())
          + " µs/call; maas / raw per pair median **" + fmt(p.path("ratioMedian").asDouble()) + "** (quartiles "
          + fmt(p.path("ratioP25").asDouble()) + "–" + fmt(p.path("ratioP75").asDouble()) + "). Each pair sees the"
          + " same machine, so other processes bias this much less than the separate JMH runs above.");
      line("");
    }
  }

  private void renderConcurrency() {
    for (String model : models(CONCURRENCY)) {
      line("### Throughput and latency, " + model + ": N callers each sending one row");
      line("");
      line("ONNX Runtime intra-op threads: maas " + intra(Contender.MAAS.benchmark(), model) + ", raw "
          + intra(Contender.RAW.benchmark(), model) + ", DJL " + intra(Contender.DJL.benchmark(), model)
          + ", ceiling " + intra(CEILING, model) + ".");
      line("");
      line("maas: dynamic batching (max batch " + Policies.MAX_BATCH + "; max queue delay and instances as in"
          + " the pooled-scores table, by default " + Policies.MAX_QUEUE_DELAY.toMillis() + " ms and 1). raw: `OrtSession.run` one row at a time on the"
          + " N caller threads. DJL: `Predictor.predict` one row at a time on the N caller threads, a predictor"
          + " per thread. ceiling: raw ORT running pre-formed batches of N rows from one thread (latency ="
          + " the batch's time). p99 target = max queue delay + 2 × ceiling batch time.");
      line("");
      line("| N | maas rows/s | raw rows/s | DJL rows/s | ceiling rows/s | maas / raw | maas / DJL | maas / ceiling"
          + " | maas p50 ms | maas p99 ms | p99 target ms | raw p50 ms | raw p99 ms | DJL p50 ms | DJL p99 ms"
          + " | ceiling batch ms |");
      line("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      List<String> cost = new ArrayList<>();
      for (int n : callers(model)) {
        Optional<Run> m = at(Contender.MAAS, model, n);
        Optional<Run> r = at(Contender.RAW, model, n);
        Optional<Run> d = at(Contender.DJL, model, n);
        Optional<Run> c = at(Contender.CEILING, model, n);
        Optional<Run> b = find(BURST, model, 1, n);
        Optional<Run> f = inFlight(model, n);
        double ct = rowsPerSecond(Contender.CEILING, model, n);
        double batchUs = c.map(Run::meanUs).orElse(Double.NaN);
        line("| " + n + " | " + fmtRate(rowsPerSecond(Contender.MAAS, model, n)) + " | "
            + fmtRate(rowsPerSecond(Contender.RAW, model, n)) + " | " + fmtRate(rowsPerSecond(Contender.DJL, model, n))
            + " | " + fmtRate(ct) + " | **" + fmt(maasOver(Contender.RAW, model, n)) + "** | **"
            + fmt(maasOver(Contender.DJL, model, n)) + "** | **" + fmt(maasOver(Contender.CEILING, model, n)) + "** | "
            + fmtMs(m.map(Run::p50Us)) + " | " + fmtMs(m.map(Run::p99Us)) + " | " + fmtMs(Optional.of(p99Target(model, n)))
            + " | " + fmtMs(r.map(Run::p50Us)) + " | " + fmtMs(r.map(Run::p99Us)) + " | " + fmtMs(d.map(Run::p50Us))
            + " | " + fmtMs(d.map(Run::p99Us)) + " | " + fmtMs(Optional.of(batchUs)) + " |");
        JsonNode s = stats.get(model + "-t" + n);
        String meanBatch = s == null ? "n/a" : String.format(Locale.ROOT, "%.1f", s.path("meanBatchSize").asDouble());
        String runP50 = s == null ? "n/a" : String.format(Locale.ROOT, "%.3f", s.path("runTimeMs").path("p50").asDouble());
        String waitP99 = s == null ? "n/a" : String.format(Locale.ROOT, "%.3f", s.path("queueWaitMs").path("p99").asDouble());
        int rows = Math.max(1, n);
        cost.add("| " + n + " | " + fmtUs(m.map(Run::cpuPerOp).orElse(Double.NaN)) + " | "
            + fmtUs(r.map(Run::cpuPerOp).orElse(Double.NaN)) + " | "
            + fmtUs(d.map(Run::cpuPerOp).orElse(Double.NaN)) + " | "
            + fmtUs(c.map(x -> x.cpuPerOp() / rows).orElse(Double.NaN)) + " | "
            + fmtCores(m.map(Run::cores)) + " | " + fmtCores(r.map(Run::cores)) + " | " + fmtCores(d.map(Run::cores))
            + " | " + fmtCores(c.map(Run::cores))
            + " | " + fmtCores(m.map(Run::switchesPerOp)) + " | " + fmtCores(r.map(Run::switchesPerOp)) + " | "
            + fmtCores(d.map(Run::switchesPerOp)) + " | " + fmtCores(c.map(x -> x.switchesPerOp() / rows))
            + " | " + fmtBytes(m.map(Run::allocPerOp).orElse(Double.NaN)) + " | "
            + fmtBytes(r.map(Run::allocPerOp).orElse(Double.NaN)) + " | "
            + fmtBytes(d.map(Run::allocPerOp).orElse(Double.NaN)) + " | "
            + fmtBytes(c.map(x -> x.allocPerOp() / rows).orElse(Double.NaN)) + " | " + meanBatch + " | " + runP50
            + " | " + waitP99 + " | " + fmtRate(b.map(Run::rowsPerSecond).orElse(Double.NaN)) + " | "
            + fmt(b.map(Run::rowsPerSecond).orElse(Double.NaN) / ct) + " | "
            + fmtUs(b.map(x -> x.cpuPerOp() / rows).orElse(Double.NaN)) + " | "
            + fmtRate(f.map(Run::rowsPerSecond).orElse(Double.NaN)) + " | "
            + fmt(f.map(Run::rowsPerSecond).orElse(Double.NaN) / ct) + " | "
            + fmtUs(f.map(Run::cpuPerOp).orElse(Double.NaN)) + " |");
      }
      line("");
      line("Cost per row, " + model + ": CPU µs of the whole JVM per row, cores kept busy, context switches"
          + " of all its threads per row, heap bytes per row; maas burst: one thread starting N one-row"
          + " `predictAsync` calls at once and awaiting them (`CeilingBenchmark.maasAsyncBurst`, a diagnostic);"
          + " maas in flight: one thread keeping N one-row `predictAsync` calls in flight, each answer replaced"
          + " at once (`CeilingBenchmark.maasAsyncInFlight`, a diagnostic; Triton's perf_analyzer counts"
          + " concurrency this way);"
          + " maas's own statistics (mean rows per batch while measured; run time p50 and queue wait p99 since"
          + " load, warm-up included).");
      line("");
      line("| N | maas CPU µs/row | raw CPU µs/row | DJL CPU µs/row | ceiling CPU µs/row | maas cores | raw cores"
          + " | DJL cores | ceiling cores | maas switches/row | raw switches/row | DJL switches/row"
          + " | ceiling switches/row | maas B/row | raw B/row | DJL B/row | ceiling B/row"
          + " | maas mean batch | maas run p50 ms | maas wait p99 ms | maas burst rows/s | burst / ceiling"
          + " | burst CPU µs/row | maas in flight rows/s | in flight / ceiling | in flight CPU µs/row |");
      line("|" + "---:|".repeat(26));
      cost.forEach(this::line);
      line("");
    }
  }

  /** The p99 target at N callers: maas's max queue delay + 2 × the ceiling's batch time, µs. */
  private double p99Target(String model, int n) {
    double delayUs = at(Contender.MAAS, model, n).map(x -> (double) x.maxQueueDelayMicros())
        .orElse(Policies.MAX_QUEUE_DELAY.toNanos() / 1e3);
    return delayUs + 2 * at(Contender.CEILING, model, n).map(Run::meanUs).orElse(Double.NaN);
  }

  private void renderCharts() {
    if (charts.isEmpty()) {
      return;
    }
    line("### Charts");
    line("");
    line("Beside this report: " + String.join(", ", charts) + ". `throughput-MODEL.png`: rows/s against"
        + " concurrent callers, one line per system. `latency-MODEL.png`: p50 (solid) and p99 (dashed) per"
        + " system on a log scale; the ceiling's latency is its batch's time.");
    line("");
  }

  private void renderTargets() {
    line("### Targets (MLP; issues 3 and 8)");
    line("");
    int busy = busiest();
    if (busy > BUSY_LIMIT) {
      line("**Not reliable: other processes kept the machine up to " + busy + "% busy during this run** (see"
          + " Conditions). Wall-clock figures, and so these verdicts, depend on how much of the cores each"
          + " benchmark happened to get; CPU µs per row is much less sensitive. Rerun on an idle machine.");
      line("");
    }
    double overhead = overheadRatio("raw", "mlp");
    double vsCeiling = maasOver(Contender.CEILING, "mlp", 64);
    double vsRaw = maasOver(Contender.RAW, "mlp", 64);
    double vsDjl = maasOver(Contender.DJL, "mlp", 64);
    double p99 = at(Contender.MAAS, "mlp", 64).map(Run::p99Us).orElse(Double.NaN);
    double target = p99Target("mlp", 64);
    JsonNode s = stats.get("mlp-t64");
    double ownRunUs = s == null ? Double.NaN : s.path("runTimeMs").path("p50").asDouble() * 1000;
    double ownTarget = at(Contender.MAAS, "mlp", 64).map(x -> (double) x.maxQueueDelayMicros())
        .orElse(Policies.MAX_QUEUE_DELAY.toNanos() / 1e3) + 2 * ownRunUs;
    line("| target | measured | met |");
    line("|---|---:|---|");
    line("| overhead maas / raw ≤ 1.05 at batch 1 | " + fmt(overhead) + " | " + met(overhead <= 1.05) + " |");
    double pairedRatio = pairedOverhead("mlp");
    if (!Double.isNaN(pairedRatio)) {
      line("| the same, paired cross-check | " + fmt(pairedRatio) + " | " + met(pairedRatio <= 1.05) + " |");
    }
    line("| 64 callers: maas ≥ 0.9 × ceiling | " + fmt(vsCeiling) + " | " + met(vsCeiling >= 0.9) + " |");
    line("| 64 callers: maas ≥ 2 × raw one-at-a-time | " + fmt(vsRaw) + " | " + met(vsRaw >= 2) + " |");
    line("| 64 callers: maas ≥ 2 × DJL | " + fmt(vsDjl) + " | " + met(vsDjl >= 2) + " |");
    otherReadingsOfTheCallerTargets();
    line("| 64 callers: p99 ≤ max queue delay + 2 × batch time (ceiling's batch of 64) | "
        + fmtMs(Optional.of(p99)) + " ms ≤ " + fmtMs(Optional.of(target)) + " ms | " + met(p99 <= target) + " |");
    line("| the same, batch time = maas's own batch run p50 | " + fmtMs(Optional.of(p99)) + " ms ≤ "
        + fmtMs(Optional.of(ownTarget)) + " ms | " + met(p99 <= ownTarget) + " |");
    line("");
  }

  /**
   * The ceiling and DJL targets at 64 callers as the other measurements of this run read them: callers
   * on virtual threads (JMH, maas's best queue delay against the same run's ceiling) and the paired
   * windows of {@code PairedConcurrency}, whose ratios the VM's drift cannot bias. The RESULT line
   * keeps the definition (platform threads, separate JMH runs).
   */
  private void otherReadingsOfTheCallerTargets() {
    String rowStart = "| 64 callers, ";
    String targets = ": maas ≥ 0.9 × ceiling; ≥ 2 × DJL | ";
    List<Run> virtual = runs.stream().filter(r -> r.benchmark.equals(VIRTUAL) && r.model.equals("mlp")
        && param(r, "callers").equals("64")).toList();
    Optional<Run> maas = virtual.stream().filter(r -> param(r, "system").equals("maas"))
        .max(java.util.Comparator.comparingDouble(Run::rowsPerSecond));
    if (maas.isPresent()) {
      double djl = virtual.stream().filter(r -> param(r, "system").equals("djl")).mapToDouble(Run::rowsPerSecond)
          .max().orElse(Double.NaN);
      double c = maas.get().rowsPerSecond() / rowsPerSecond(Contender.CEILING, "mlp", 64);
      double d = maas.get().rowsPerSecond() / djl;
      line(rowStart + "virtual threads (JMH; maas's queue delay " + maas.get().maxQueueDelayMicros() + " µs)" + targets
          + fmt(c) + "; " + fmt(d) + " | " + met(c >= 0.9) + "; " + met(d >= 2) + " |");
    }
    for (JsonNode p : pairedConcurrency.values()) {
      if (p.path("callers").asInt() != 64 || !p.path("model").asText().equals("mlp")) {
        continue;
      }
      double c = p.path("vs_ceiling").asDouble(Double.NaN);
      double d = p.path("vs_djl").asDouble(Double.NaN);
      line(rowStart + p.path("threads").asText() + " threads, paired windows (queue delay "
          + p.path("maxQueueDelayMicros").asLong() + " µs)" + targets + fmt(c) + "; " + fmt(d) + " | " + met(c >= 0.9)
          + "; " + met(d >= 2) + " |");
    }
  }

  /** One of a run's parameters other than model, batch and intra-op threads; "" if absent. */
  static String param(Run r, String key) {
    for (String kv : r.extraParams.split(" ")) {
      if (kv.startsWith(key + "=")) {
        return kv.substring(key.length() + 1);
      }
    }
    return "";
  }

  private void renderVirtual() {
    List<Run> v = runs.stream().filter(r -> r.benchmark.equals(VIRTUAL)).toList();
    if (v.isEmpty()) {
      return;
    }
    line("### N callers on virtual threads (`VirtualCallersBenchmark`, JDK " + jdks.getOrDefault("VirtualCallersBenchmark", "?")
        + ")");
    line("");
    line("Each caller is a virtual thread that calls the system and blocks for its answer, as a server on"
        + " Java 21+ running each request on a virtual thread does; JMH's one thread counts rows. The ceiling is"
        + " this run's `rawPreformedBatch` at a batch of N (which may have run on another JDK: see Conditions).");
    line("");
    line("| model | N | system | maas queue delay µs | rows/s | CPU µs per row | cores busy | maas / this | maas / ceiling |");
    line("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    TreeSet<String> keys = new TreeSet<>();
    v.forEach(r -> keys.add(r.model + " " + param(r, "callers")));
    for (String k : keys) {
      String model = k.split(" ")[0];
      int n = Integer.parseInt(k.split(" ")[1]);
      List<Run> here = v.stream().filter(r -> r.model.equals(model) && param(r, "callers").equals(String.valueOf(n))).toList();
      double best = here.stream().filter(r -> param(r, "system").equals("maas")).mapToDouble(Run::rowsPerSecond).max()
          .orElse(Double.NaN);
      double ceiling = rowsPerSecond(Contender.CEILING, model, n);
      for (Run r : here) {
        boolean maas = param(r, "system").equals("maas");
        line("| " + model + " | " + n + " | " + param(r, "system") + " | " + (maas ? String.valueOf(r.maxQueueDelayMicros) : "")
            + " | " + fmtRate(r.rowsPerSecond()) + " | " + fmtUs(r.cpuPerOp()) + " | " + fmtCores(Optional.of(r.cores()))
            + " | " + (maas ? "" : "**" + fmt(best / r.rowsPerSecond()) + "**") + " | "
            + (maas ? "**" + fmt(r.rowsPerSecond() / ceiling) + "**" : "") + " |");
      }
    }
    line("");
    line("maas / this: the best maas row of that N over the system's rows/s.");
    line("");
  }

  private void renderPairedConcurrency() {
    if (pairedConcurrency.isEmpty()) {
      return;
    }
    line("### Paired cross-check at N callers (`PairedConcurrency`)");
    line("");
    line("One process takes turns of one window each at the ceiling, maas, raw ORT and DJL, in an order that rotates"
        + " every round, so that each round sees the same machine; ratios are medians of per-round ratios (quartiles"
        + " in brackets). The separate JMH runs above can be minutes apart, and the ceiling alone has moved by 20% or"
        + " more in that time on this VM.");
    line("");
    line("| callers | JDK | rounds × window | maas queue delay µs | ceiling rows/s | maas rows/s | raw rows/s | DJL rows/s"
        + " | maas / ceiling | maas / raw | maas / DJL |");
    line("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (JsonNode p : pairedConcurrency.values()) {
      line("| " + p.path("callers").asInt() + " " + p.path("threads").asText() + " (" + p.path("model").asText() + ") | "
          + p.path("java").asText() + " | " + p.path("rounds").asInt() + " × " + p.path("windowMillis").asLong() + " ms | "
          + p.path("maxQueueDelayMicros").asLong() + " | " + fmtRate(p.path("ceilingRowsPerSecond").asDouble(Double.NaN))
          + " | " + fmtRate(p.path("maasRowsPerSecond").asDouble(Double.NaN)) + " | "
          + fmtRate(p.path("rawRowsPerSecond").asDouble(Double.NaN)) + " | "
          + fmtRate(p.path("djlRowsPerSecond").asDouble(Double.NaN)) + " | " + pairedRatio(p, "ceiling") + " | "
          + pairedRatio(p, "raw") + " | " + pairedRatio(p, "djl") + " |");
    }
    line("");
  }

  private static String pairedRatio(JsonNode p, String other) {
    return "**" + fmt(p.path("vs_" + other).asDouble(Double.NaN)) + "** (" + fmt(p.path("vs_" + other + "P25").asDouble(Double.NaN))
        + "–" + fmt(p.path("vs_" + other + "P75").asDouble(Double.NaN)) + ")";
  }

  private void renderNoOp() {
    List<Run> v = runs.stream().filter(r -> r.benchmark.startsWith(NOOP)).toList();
    if (v.isEmpty()) {
      return;
    }
    line("### maas without a model (`SchedulerBenchmark`: a no-op runtime behind a real `ModelService`)");
    line("");
    line("The model answers each request with its input, in Java: every µs here is maas's own or the caller's"
        + " conversions (`Tensor.of` in, `toFloatArray()` out), which `direct` does alone. Batching on is"
        + " `Policies.batched()` (max batch 64, max queue delay 0, 1 instance); the callers are platform threads.");
    line("");
    line("| callers | path | calls/s | CPU µs per call | B per call | CPU µs over direct | B over direct | context switches per call |");
    line("|---:|---|---:|---:|---:|---:|---:|---:|");
    TreeSet<Integer> threads = new TreeSet<>();
    v.forEach(r -> threads.add(r.threads));
    for (int t : threads) {
      Optional<Run> direct = v.stream().filter(r -> r.threads == t && r.benchmark.equals(NOOP + "direct")).reduce((a, b) -> b);
      double dc = direct.map(Run::cpuPerOp).orElse(Double.NaN);
      double db = direct.map(Run::allocPerOp).orElse(Double.NaN);
      for (Run r : v.stream().filter(r -> r.threads == t).toList()) {
        boolean isDirect = r.benchmark.equals(NOOP + "direct");
        String path = isDirect ? "direct (no maas)" : "maas, batching " + param(r, "batching");
        line("| " + t + " | " + path + " | " + fmtRate(r.rowsPerSecond()) + " | " + fmtUs(r.cpuPerOp()) + " | "
            + fmtBytes(r.allocPerOp()) + " | " + (isDirect ? "" : fmtUs(r.cpuPerOp() - dc)) + " | "
            + (isDirect ? "" : fmtBytes(r.allocPerOp() - db)) + " | " + fmt(r.switchesPerOp()) + " |");
      }
    }
    line("");
  }

  private void renderTensors() {
    List<Run> v = runs.stream().filter(r -> r.benchmark.startsWith(TENSORS)).toList();
    if (v.isEmpty()) {
      return;
    }
    line("### Tensor conversion per dtype (`TensorConversionBenchmark`), ns per tensor");
    line("");
    line("A Java array into a `Tensor` (`Tensor.of`), into an ONNX Runtime tensor (`toOnnx`), an ONNX Runtime tensor"
        + " out into a `Tensor` (`fromOnnx`), into a Java array (`toArray`); the four in a row (maas round trip) against"
        + " the same trip with ONNX Runtime's Java API alone (raw). B: heap bytes per round trip (direct buffers"
        + " are not counted by `-prof gc`).");
    TreeSet<Integer> sizes = new TreeSet<>();
    v.forEach(r -> sizes.add(Integer.parseInt(param(r, "elements"))));
    for (int n : sizes) {
      line("");
      line("| dtype, " + String.format(Locale.ROOT, "%,d", n) + " elements | Tensor.of | toOnnx | fromOnnx | toArray"
          + " | maas round trip | raw round trip | maas / raw | maas B | raw B |");
      line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      java.util.LinkedHashSet<String> dtypes = new java.util.LinkedHashSet<>();
      v.stream().filter(r -> param(r, "elements").equals(String.valueOf(n))).forEach(r -> dtypes.add(param(r, "dtype")));
      for (String d : dtypes) {
        java.util.function.Function<String, Optional<Run>> get = m -> v.stream()
            .filter(r -> r.benchmark.equals(TENSORS + m) && param(r, "dtype").equals(d)
                && param(r, "elements").equals(String.valueOf(n)))
            .reduce((a, b) -> b);
        java.util.function.Function<String, String> ns = m -> get.apply(m).map(r -> fmtRate(r.meanUs() * 1000)).orElse("n/a");
        double maas = get.apply("maasRoundTrip").map(Run::meanUs).orElse(Double.NaN);
        double raw = get.apply("rawRoundTrip").map(Run::meanUs).orElse(Double.NaN);
        line("| " + d + " | " + ns.apply("ofArray") + " | " + ns.apply("toOnnx") + " | " + ns.apply("fromOnnx") + " | "
            + ns.apply("toArray") + " | " + ns.apply("maasRoundTrip") + " | " + ns.apply("rawRoundTrip") + " | **"
            + fmt(maas / raw) + "** | " + fmtBytes(get.apply("maasRoundTrip").map(Run::allocPerOp).orElse(Double.NaN))
            + " | " + fmtBytes(get.apply("rawRoundTrip").map(Run::allocPerOp).orElse(Double.NaN)) + " |");
      }
    }
    line("");
  }

  private void renderDetails() {
    line("### JMH pooled scores (for reference)");
    line("");
    line("| benchmark | model | threads | batch | intra | params | mode | score µs/op | ± error | iterations |");
    line("|---|---|---:|---:|---:|---|---|---:|---:|---:|");
    List<Run> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparing(Run::benchmark).thenComparing(Run::model)
        .thenComparingInt(Run::threads).thenComparingInt(Run::batch));
    for (Run r : sorted) {
      line("| " + r.benchmark + " | " + r.model + " | " + r.threads + " | " + (r.batch > 0 ? r.batch : "") + " | "
          + r.intraOpThreads + " | " + r.extraParams + " | " + r.mode + " | " + String.format(Locale.ROOT, "%.1f", r.score) + " | "
          + String.format(Locale.ROOT, "%.1f", r.scoreError) + " | " + r.iterations.size() + " |");
    }
    line("");
  }

  /** What {@code run.sh} recorded about the machine: its cores, and how busy other processes kept it. */
  private void renderConditions() {
    if (conditions.isEmpty()) {
      return;
    }
    line("### Conditions");
    line("");
    line("```");
    conditions.forEach(this::line);
    line("```");
    line("");
  }

  // ------------------------------------------------------------------ formatting

  private static String met(boolean ok) {
    return ok ? "yes" : "**no**";
  }

  /** Three decimals, or {@code nan}: the format of the {@code RESULT} line's ratios. */
  static String fmt(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "nan" : String.format(Locale.ROOT, "%.3f", v);
  }

  static String fmtUs(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String fmtMs(Optional<Double> us) {
    return us.filter(v -> !v.isNaN()).map(v -> String.format(Locale.ROOT, "%.3f", v / 1000)).orElse("n/a");
  }

  private static String fmtCores(Optional<Double> v) {
    return v.filter(x -> !x.isNaN()).map(x -> String.format(Locale.ROOT, "%.2f", x)).orElse("n/a");
  }

  static String fmtRate(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String fmtBytes(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private void line(String s) {
    out.append(s).append('\n');
  }
}
