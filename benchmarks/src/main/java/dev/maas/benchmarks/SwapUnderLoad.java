package dev.maas.benchmarks;

import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.onnx.OnnxOptions;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Does a hot swap cost the callers anything? A bounded load driver (not JMH: the question is about
 * the tail during an event, over a fixed wall-clock window): N callers call {@code mlp@prod} as
 * fast as they can for D seconds without swaps, then for D seconds while {@code prod} moves between
 * two versions every S seconds. Reports throughput, p50/p99/max latency and failures of both
 * phases, and ends with {@code RESULT failures=N steady_p99_ms=X swap_p99_ms=Y ratio=R}.
 *
 * <p>Run: {@code ORT_DISABLE_TELEMETRY=1 java -cp benchmarks/target/benchmarks.jar
 * dev.maas.benchmarks.SwapUnderLoad [seconds=60] [callers=16] [swapEverySeconds=5]}.
 * Target (issue 4): zero failures, and p99 during swaps at most 1.5 times the steady p99.
 */
public final class SwapUnderLoad {
  private SwapUnderLoad() {}

  /** Runs the two phases and prints the report. */
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    int callers = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int swapEvery = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path dir = Files.createTempDirectory("maas-swap-bench");
    // 256 -> 1024 -> 256: a run takes tens of microseconds, a load some tens of milliseconds
    Path a = Files.write(dir.resolve("a.onnx"), SampleModels.mlp(256, 1024, 256, 1));
    Path b = Files.write(dir.resolve("b.onnx"), SampleModels.mlp(256, 1024, 256, 2));
    try (ModelService maas = ModelService.builder().storeDirectory(dir.resolve("store"))
        .runtime(OnnxRuntime.create(OnnxOptions.defaults().withThreads(1, 1))).build()) {
      maas.deploy("mlp", a);
      maas.deploy("mlp", b);
      maas.setAlias("mlp", "prod", 1);
      InferenceRequest req = InferenceRequest.of("x", Tensor.of(new float[256], 1, 256));
      Phase warm = run(maas, req, callers, 5, 0);
      Phase steady = run(maas, req, callers, seconds, 0);
      Phase swaps = run(maas, req, callers, seconds, swapEvery);
      System.out.printf("%-8s %10s %10s %10s %10s %8s %6s%n", "phase", "calls/s", "p50 ms", "p99 ms", "max ms", "fails", "swaps");
      for (Phase p : List.of(warm, steady, swaps)) {
        System.out.printf("%-8s %10.0f %10.3f %10.3f %10.3f %8d %6d%n", p.name, p.throughput, p.p50, p.p99, p.max,
            p.failures, p.swaps);
      }
      System.out.printf("RESULT failures=%d steady_p99_ms=%.3f swap_p99_ms=%.3f ratio=%.2f%n",
          steady.failures + swaps.failures, steady.p99, swaps.p99, swaps.p99 / steady.p99);
    }
  }

  private record Phase(String name, double throughput, double p50, double p99, double max, long failures, int swaps) {}

  private static Phase run(ModelService maas, InferenceRequest req, int callers, int seconds, int swapEvery)
      throws Exception {
    Recorder rec = new Recorder(3);
    AtomicLong failures = new AtomicLong();
    AtomicLong calls = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    List<Future<?>> fs = new ArrayList<>();
    ModelRef prod = ModelRef.parse("mlp@prod");
    long start = System.nanoTime();
    for (int t = 0; t < callers; t++) {
      fs.add(pool.submit(() -> {
        while (!stop.get()) {
          long s = System.nanoTime();
          try {
            maas.predict(prod, req);
            rec.recordValue(System.nanoTime() - s);
            calls.incrementAndGet();
          } catch (RuntimeException e) {
            failures.incrementAndGet();
          }
        }
      }));
    }
    int swaps = 0;
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      if (swapEvery > 0) {
        Thread.sleep(Math.min(TimeUnit.SECONDS.toMillis(swapEvery), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        if (System.nanoTime() < end) {
          maas.setAlias("mlp", "prod", swaps % 2 == 0 ? 2 : 1);
          swaps++;
        }
      } else {
        Thread.sleep(Math.max(1, (end - System.nanoTime()) / 1_000_000));
      }
    }
    stop.set(true);
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    double elapsed = (System.nanoTime() - start) / 1e9;
    var h = rec.getIntervalHistogram();
    return new Phase(swapEvery > 0 ? "swaps" : seconds <= 5 ? "warm-up" : "steady", calls.get() / elapsed,
        h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6, failures.get(), swaps);
  }
}
