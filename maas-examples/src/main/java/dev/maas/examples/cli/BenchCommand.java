package dev.maas.examples.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.maas.Dimension;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.TensorSpec;
import dev.maas.spi.ModelStore;
import dev.maas.version.Manifest;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code maas bench REF}: a load generator, through maas or (with --raw) ONNX Runtime directly. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Load a version with N concurrent callers and print a latency summary, ending with",
        "RESULT requests=N errors=N throughput=X p50_ms=X p99_ms=X versions=V:N[,V:N...]",
        "--raw runs the same load on ONNX Runtime directly, for an overhead comparison."})
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME[:V|@A]") String ref;

  @Option(names = "--concurrency", defaultValue = "1", description = "Concurrent callers (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--duration", paramLabel = "D", description = "How long to run, e.g. 10s (default 10s).")
  String duration;

  @Option(names = "--requests", paramLabel = "N", description = "Stop after N requests instead.")
  Long requests;

  @Option(names = "--input", defaultValue = "zeros", paramLabel = "FILE.json|zeros",
      description = "Inputs from a JSON file, or zeros shaped by the signature (default).")
  String input;

  @Option(names = "--dim", paramLabel = "NAME=VALUE", description = "Size of a symbolic dimension for zeros; repeatable (default 1).")
  Map<String, Long> dims = new LinkedHashMap<>();

  @Option(names = "--raw", description = "Run the load on ONNX Runtime directly, bypassing maas.")
  boolean raw;

  @Override
  public Integer call() throws Exception {
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be >= 1");
    }
    if (duration != null && requests != null) {
      throw new IllegalArgumentException("give --duration or --requests, not both");
    }
    Stores.requireExisting(Commands.global(spec));
    Duration d = duration == null ? Duration.ofSeconds(10) : GlobalOptions.duration(duration);
    long limit = requests == null ? Long.MAX_VALUE : requests;
    PrintWriter out = spec.commandLine().getOut();
    try (ModelService maas = Commands.global(spec).open()) {
      ModelRef r = ModelRef.parse(ref);
      Manifest m = maas.manifest(r);
      Map<String, Tensor> inputs = input.equals("zeros") ? zeros(m) : TensorJson.read(Files.readString(Path.of(input)));
      InferenceRequest req = InferenceRequest.of(inputs);
      Caller caller;
      OrtSession session = null;
      Path tmp = null;
      if (raw) {
        tmp = Files.createTempFile("maas-bench", ".onnx");
        try (ModelStore store = Stores.open(Commands.global(spec));
            InputStream in = store.openBlob(m.modelBlob().orElseThrow().sha256())) {
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        // The settings of the CLI's own runtime (OnnxRuntime.create(): maas's defaults), so that
        // the comparison is of maas against ONNX Runtime, not of two session configurations.
        try (OrtSession.SessionOptions options = dev.maas.onnx.OnnxRuntime.cpuSessionOptions(
            dev.maas.onnx.OnnxOptions.defaults())) {
          session = env.createSession(tmp.toString(), options);
        }
        OrtSession s = session;
        String v = m.modelVersion().toString();
        caller = () -> {
          Map<String, OnnxTensor> feed = new LinkedHashMap<>();
          try {
            for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
              feed.put(e.getKey(), dev.maas.examples.RawOnnx.tensor(env, e.getValue()));
            }
            try (OrtSession.Result res = s.run(feed)) {
              dev.maas.examples.RawOnnx.fromOnnx((OnnxTensor) res.get(0)); // one flat copy, as maas makes
            }
          } finally {
            feed.values().forEach(OnnxTensor::close);
          }
          return v;
        };
      } else {
        maas.predict(r, req); // load and warm up outside the measurement
        caller = () -> {
          InferenceResult res = maas.predict(r, req);
          return res.version().toString();
        };
      }
      try {
        if (raw) {
          caller.call(); // warm up outside the measurement, as maas is above; a failure still closes the session
        }
        run(caller, d, limit, out);
      } finally {
        if (session != null) {
          session.close();
        }
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      }
    }
    return 0;
  }

  private interface Caller {
    String call() throws Exception;
  }

  private void run(Caller caller, Duration d, long limit, PrintWriter out) throws Exception {
    Recorder rec = new Recorder(3);
    AtomicLong started = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    Map<String, AtomicLong> versions = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    long end = start + d.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<Future<?>> fs = new ArrayList<>();
    String[] lastError = new String[1];
    for (int t = 0; t < concurrency; t++) {
      fs.add(pool.submit(() -> {
        while (System.nanoTime() < end && started.incrementAndGet() <= limit) {
          long s = System.nanoTime();
          try {
            String v = caller.call();
            rec.recordValue(System.nanoTime() - s);
            versions.computeIfAbsent(v, k -> new AtomicLong()).incrementAndGet();
          } catch (Exception e) {
            errors.incrementAndGet();
            lastError[0] = String.valueOf(e.getMessage());
          }
        }
        return null;
      }));
    }
    boolean terminal = System.console() != null;
    Histogram total = new Histogram(3);
    long lastReport = System.nanoTime();
    while (fs.stream().anyMatch(f -> !f.isDone())) {
      Thread.sleep(200);
      if (System.nanoTime() - lastReport >= 1_000_000_000L) {
        lastReport = System.nanoTime();
        double done = requests != null ? Math.min(1.0, started.get() / (double) limit)
            : Math.min(1.0, (System.nanoTime() - start) / (double) d.toNanos());
        long served = versions.values().stream().mapToLong(AtomicLong::get).sum();
        String line = String.format("%3.0f%% %d requests, %d errors", done * 100, served, errors.get());
        if (terminal) {
          int bar = (int) (done * 30);
          spec.commandLine().getErr().print("\r[" + "#".repeat(bar) + " ".repeat(30 - bar) + "] " + line);
        } else {
          spec.commandLine().getErr().println(line);
        }
        spec.commandLine().getErr().flush();
      }
    }
    if (terminal) {
      spec.commandLine().getErr().println();
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    double secs = (System.nanoTime() - start) / 1e9;
    total.add(rec.getIntervalHistogram());
    long n = total.getTotalCount();
    out.printf("%s%s: %d requests in %.2f s with %d callers, %d errors%n", raw ? "raw ONNX Runtime, " : "maas, ",
        ref, n, secs, concurrency, errors.get());
    if (errors.get() > 0) {
      out.println("last error: " + lastError[0]);
    }
    out.printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f%n",
        ms(total.getValueAtPercentile(50)), ms(total.getValueAtPercentile(90)), ms(total.getValueAtPercentile(99)),
        ms(total.getValueAtPercentile(99.9)), ms(total.getMaxValue()), total.getMean() / 1e6);
    StringBuilder vs = new StringBuilder();
    new TreeMap<>(versions).forEach((v, c) -> vs.append(vs.length() > 0 ? "," : "")
        .append(v.substring(v.indexOf(':') + 1)).append(':').append(c.get()));
    out.printf("RESULT requests=%d errors=%d throughput=%.1f p50_ms=%.3f p99_ms=%.3f versions=%s%n", n, errors.get(),
        n / secs, ms(total.getValueAtPercentile(50)), ms(total.getValueAtPercentile(99)), vs.length() == 0 ? "-" : vs);
    out.flush();
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private Map<String, Tensor> zeros(Manifest m) {
    Map<String, Tensor> in = new LinkedHashMap<>();
    for (TensorSpec s : m.signature().inputs()) {
      if (!s.hasShape()) {
        throw new dev.maas.InvalidInputException("input '" + s.name() + "' has no declared shape: give --input FILE.json");
      }
      long[] shape = new long[s.shape().size()];
      for (int i = 0; i < shape.length; i++) {
        Dimension dim = s.shape().get(i);
        shape[i] = dim.isFixed() ? dim.size() : dims.getOrDefault(dim.symbol(), 1L);
      }
      in.put(s.name(), Tensor.zeros(s.dtype(), shape));
    }
    return in;
  }
}
